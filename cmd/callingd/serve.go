package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
	"github.com/supporterbase/callingsessions/web/live"
)

func runServe(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "serve", "serve [flags]", `
Migrate the database, then serve the web panel (log in with an account of
"callingd user add" or "callingd demo"), its JSON API under /api/v1
(described at /api/v1/openapi.json), /healthz, /readyz (200 when the
database, and Asterisk if configured, answer) and /metrics (Prometheus)
until interrupted. With --ari-url (or --simulate), also drive calling
sessions: ring leaders, bridge supporters, follow the keypad.`)
	dbURL := databaseFlag(env, fs)
	listen := fs.String("listen", envOr(env, "CALLINGD_LISTEN", "127.0.0.1:8080"),
		"address to serve HTTP on (env CALLINGD_LISTEN)")
	logFormat := fs.String("log-format", envOr(env, "CALLINGD_LOG_FORMAT", "text"),
		"log format: text or json (env CALLINGD_LOG_FORMAT)")
	logLevel := fs.String("log-level", envOr(env, "CALLINGD_LOG_LEVEL", "info"),
		"least severe level logged: debug, info, warn or error (env CALLINGD_LOG_LEVEL)")
	announce := fs.String("announce-every", envOr(env, "CALLINGD_ANNOUNCE_EVERY", queue.AnnounceEvery.String()),
		"how often changes are announced to dashboards and other instances: the most they lag (env CALLINGD_ANNOUNCE_EVERY)")
	trustProxy := fs.Bool("trust-proxy", envOr(env, "CALLINGD_TRUST_PROXY", "") == "true",
		"believe X-Forwarded-Proto and X-Forwarded-For: set only behind a reverse proxy that sets both; "+
			"then login cookies are Secure when the proxy says https, and logins are throttled by the address it gives (env CALLINGD_TRUST_PROXY=true)")
	phones := addTelephonyFlags(env, fs)
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	announceEvery, err := time.ParseDuration(*announce)
	if err != nil || announceEvery <= 0 {
		return queue.FieldErrorf("announce-every", "must be a positive duration such as 250ms, not %q", *announce)
	}
	lease, err := phones.leaseDuration()
	if err != nil {
		return err
	}
	log, err := newLogger(env, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	store, applied, err := openMigratedStore(ctx, env, *dbURL)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	if len(applied) > 0 {
		log.Info("applied migrations", "versions", applied)
	}
	// Every goroutine serve starts stops with ctx and is waited for before
	// the pool closes (deferred calls run last first): none writes to a
	// closed pool. ctx also ends when serving fails.
	var running sync.WaitGroup
	defer running.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Every instance announces: SKIP LOCKED lets them share the work.
	running.Go(func() {
		store.Announce(ctx, announceEvery, func(err error) {
			log.Warn("announcing changes", "err", err)
		})
	})

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// One LISTEN for every open page of this instance. It stops with ctx,
	// ending the streams so the HTTP server's shutdown does not wait on
	// them, and is waited for before the pool closes.
	hub := live.New(store, log.With("part", "live"), live.Config{Probe: store.Notify})
	running.Go(func() {
		if err := hub.Run(ctx); err != nil {
			log.Error("live updates stopped", "err", err)
		}
	})
	panel := web.New(store, log, reg, web.Options{TrustProxy: *trustProxy, Live: hub})
	tel, err := startTelephony(ctx, env, phones, lease, store, log, reg)
	if err != nil {
		return err
	}
	if tel != nil {
		panel.AddReadyCheck("asterisk", tel.ready)
		running.Go(func() { tel.run(ctx, log) })
	}
	srv := &http.Server{
		Handler:           panel.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return queue.FieldErrorf("listen", "cannot listen on %s: %v", *listen, err)
	}
	fmt.Fprintf(env.stdout, "Serving the panel at http://%s/\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String())
	return serveUntilDone(ctx, srv, ln, log)
}

// serveUntilDone serves until ctx ends, then lets requests in flight finish.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down http: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

func newLogger(env *environment, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, queue.FieldErrorf("log-level", "%q is not one of debug, info, warn, error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(env.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.stderr, opts)), nil
	}
	return nil, queue.FieldErrorf("log-format", "%q is not text or json", format)
}

func envOr(env *environment, name, fallback string) string {
	if v := env.getenv(name); v != "" {
		return v
	}
	return fallback
}
