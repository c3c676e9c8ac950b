package main

// The phone network of the ari and ivr benchmarks (the ARI simulator and
// the simulated phones) runs in a process of its own, as Asterisk does in
// production: this binary, started again with CALLINGBENCH_PHONES set to
// its configuration. So the benchmark process holds only what callingd
// holds (the adapter, the engine, the database pool): its heap after GC and
// its CPU time are the product's, not the simulator's, and on one core
// (GOMAXPROCS 1) the adapter does not share that core with the simulator's
// websocket writer.
//
// The child serves the simulator's ARI and control routes behind a tap that
// sees every request as it arrives (before the simulator handles it), and
// /bench/ routes of the benchmark's mode (ari.go, ivr.go). Latencies are
// measured inside the child, from one clock: from the moment the phone acts
// (a key press) to the arrival of the request the application sends in
// response. The child exits when its stdin closes, so it never outlives
// the benchmark.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
)

const (
	phonesEnv      = "CALLINGBENCH_PHONES" // set in the child: its phonesConfig as JSON
	phonesReady    = "PHONES"              // first line of the child's stdout: "PHONES http://127.0.0.1:PORT"
	phonesUser     = "callingd"
	phonesPassword = "bench-secret"
	phonesDial     = "PJSIP/{number}@trunk"
)

// phonesConfig configures the child's simulator.
type phonesConfig struct {
	Mode            string        `json:"mode"` // a key of phoneModes
	SoundDuration   time.Duration `json:"sound_duration"`
	QueueLimit      int           `json:"queue_limit"`
	TranscriptLimit int           `json:"transcript_limit"`
}

// phoneMode is the benchmark-specific part of the child.
type phoneMode interface {
	// tap sees each request to the simulator when it arrives; the function
	// it returns, if any, runs once the simulator has answered it.
	tap(r *http.Request, arrived time.Time) (after func())
	// routes adds the mode's /bench/ control routes.
	routes(mux *http.ServeMux)
}

var phoneModes = map[string]func(*arisim.Sim, phonesConfig) phoneMode{
	"ari": newARIPhones,
	"ivr": newIVRPhones,
}

// In the child, run the phone network instead of the benchmarks.
func init() {
	raw, ok := os.LookupEnv(phonesEnv)
	if !ok {
		return
	}
	if err := runPhones(raw, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "callingbench phones: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runPhones serves the simulator until stdin ends.
func runPhones(raw string, stdin io.Reader, stdout io.Writer) error {
	var cfg phonesConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return fmt.Errorf("%s: %w", phonesEnv, err)
	}
	newMode := phoneModes[cfg.Mode]
	if newMode == nil {
		return fmt.Errorf("%s: no mode %q", phonesEnv, cfg.Mode)
	}
	sim := arisim.New(arisim.Config{Username: phonesUser, Password: phonesPassword,
		SoundDuration: cfg.SoundDuration,
		QueueLimit:    cfg.QueueLimit, TranscriptLimit: cfg.TranscriptLimit})
	mode := newMode(sim, cfg)
	bench := http.NewServeMux()
	mode.routes(bench)
	bench.HandleFunc("GET /bench/cpu", func(w http.ResponseWriter, r *http.Request) {
		writeBenchJSON(w, processCPU())
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/bench/") {
			bench.ServeHTTP(w, r)
			return
		}
		after := mode.tap(r, time.Now())
		sim.ServeHTTP(w, r)
		if after != nil {
			after()
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "%s http://%s\n", phonesReady, ln.Addr())
	_, _ = io.Copy(io.Discard, stdin)
	sim.Close()
	return srv.Close()
}

// channelOp splits "/ari/channels/{id}/{op}[/...]"; ok is false for any
// other path.
func channelOp(path string) (id, op string, ok bool) {
	rest, found := strings.CutPrefix(path, "/ari/channels/")
	if !found {
		return "", "", false
	}
	id, rest, found = strings.Cut(rest, "/")
	if !found || id == "" {
		return "", "", false
	}
	op, _, _ = strings.Cut(rest, "/")
	return id, op, true
}

// requestParam reads one string parameter of an ARI request from its JSON
// body (what ari/v5 sends) or its query string, and leaves the body for
// the simulator to read again.
func requestParam(r *http.Request, name string) string {
	if v := r.URL.Query().Get(name); v != "" {
		return v
	}
	if r.Body == nil {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil || len(body) == 0 {
		return ""
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return ""
	}
	var v string
	_ = json.Unmarshal(fields[name], &v)
	return v
}

func writeBenchJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func readBenchJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// phones is the benchmark's handle on the child.
type phones struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	base   string // http://127.0.0.1:PORT
	http   *http.Client
	exited chan struct{}
}

// startPhones starts the child and waits until it listens.
func startPhones(ctx context.Context, log io.Writer, cfg phonesConfig) (*phones, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), phonesEnv+"="+string(raw))
	first := &firstLine{line: make(chan string, 1)}
	cmd.Stdout, cmd.Stderr = first, log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the phone network: %w", err)
	}
	p := &phones{cmd: cmd, stdin: stdin, exited: make(chan struct{}),
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	select {
	case line := <-first.line:
		addr, ok := strings.CutPrefix(line, phonesReady+" ")
		if !ok {
			p.Close()
			return nil, fmt.Errorf("the phone network said %q", line)
		}
		p.base = addr
		return p, nil
	case <-p.exited:
		return nil, errors.New("the phone network exited before it listened")
	case <-timeout.C:
		p.Close()
		return nil, errors.New("the phone network did not listen within 15 s")
	case <-ctx.Done():
		p.Close()
		return nil, ctx.Err()
	}
}

// ariURL is the simulator's ARI root.
func (p *phones) ariURL() string { return p.base + "/ari" }

// do sends in as JSON (when not nil) and decodes the answer into out (when
// not nil).
func (p *phones) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, body)
	if err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("phone network: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("phone network: %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// cpu is the child's CPU time so far.
func (p *phones) cpu(ctx context.Context) (time.Duration, error) {
	var d time.Duration
	err := p.do(ctx, http.MethodGet, "/bench/cpu", nil, &d)
	return d, err
}

// Close ends the child: it stops when its stdin closes; after 10 s it is
// killed.
func (p *phones) Close() {
	_ = p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.http.CloseIdleConnections()
}

// firstLine hands the first line written to it to line and discards the
// rest.
type firstLine struct {
	buf  []byte
	sent bool
	line chan string
}

func (f *firstLine) Write(b []byte) (int, error) {
	if f.sent {
		return len(b), nil
	}
	f.buf = append(f.buf, b...)
	if line, _, ok := bytes.Cut(f.buf, []byte("\n")); ok {
		f.sent = true
		f.line <- string(line)
		f.buf = nil
	}
	return len(b), nil
}

var _ io.Writer = (*firstLine)(nil)
