package browser

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// The harness: one callingd (built once, on a database of its own, serving
// with the simulator) and one Chromium for every test of the binary. It
// starts with the first test that asks for it (env) and stops in TestMain.
//
// Environment:
//   - CALLINGD_TEST_DATABASE_URL: the cluster's maintenance database
//     (`make test` sets it; pgtest's default otherwise);
//   - CALLINGD_BROWSER=skip: skip, rather than fail, when Chromium is not
//     installed. Nothing else skips: a machine with Chromium runs them all;
//   - CALLINGD_CHROMIUM: the browser to run, when not chromium on $PATH;
//   - CALLINGD_BIN: a callingd binary to test instead of building one.
const (
	envBrowser  = "CALLINGD_BROWSER"
	envChromium = "CALLINGD_CHROMIUM"
	envBin      = "CALLINGD_BIN"

	// demoAdmin logs in with the password `callingd demo` prints.
	demoAdmin    = "admin@demo.example"
	demoPassword = "calling-demo-2026"
	// testPassword is every user the tests add.
	testPassword = "browser-tests-2026"
	// orgSlug is the organisation the tests add users and lists to: the
	// demo's rules, but calling hours all day, so the flow runs at night.
	orgSlug = "browser"
	// otherSlug is an organisation whose ids must answer 404 (R1.1).
	otherSlug = "elsewhere"
)

// Bounds of the harness's own waits. Steps wait with tab.waitFor.
const (
	buildTimeout   = 5 * time.Minute
	startTimeout   = 30 * time.Second
	stopTimeout    = 15 * time.Second
	commandTimeout = time.Minute
)

var (
	setupOnce sync.Once
	shared    *harness
	setupErr  error
	skipWhy   string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.close(); err != nil {
			fmt.Fprintf(os.Stderr, "browser tests: stopping the harness: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// harness is what every test shares.
type harness struct {
	tmp    string
	bin    string // the callingd binary
	dbName string
	dbURL  string
	pool   *pgxpool.Pool // for fixtures' ids and for outages, never for assertions a page can make

	serve     *exec.Cmd
	serveDone chan error
	serveOut  *syncBuffer // stdout and stderr of serve
	panel     string      // callingd's own address, e.g. http://127.0.0.1:41234
	proxy     *proxy      // between Chromium and callingd, to drop connections
	base      string      // what Chromium opens: the proxy
	sim       simulator

	allocCancel   context.CancelFunc
	browser       context.Context // a tab of the one Chromium; tests open their own contexts from it
	browserCancel context.CancelFunc
	chromiumOut   *syncBuffer

	took string // how long each phase of the start took

	orgID, otherOrgID int64
	other             otherOrg
	mu                sync.Mutex
	seq               int
}

// env returns the harness, starting it for the first test that asks. A
// test that cannot have it fails, unless CALLINGD_BROWSER=skip and no
// Chromium is installed.
func env(t *testing.T) *harness {
	t.Helper()
	setupOnce.Do(func() {
		start := time.Now()
		shared, setupErr = startHarness()
		if shared != nil && setupErr == nil {
			fmt.Fprintf(os.Stderr, "browser tests: harness up in %v (%s); callingd at %s, simulator at %s\n",
				time.Since(start).Round(time.Millisecond), shared.took, shared.panel, shared.sim.base)
		}
	})
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
	if setupErr != nil {
		t.Fatalf("browser tests: %v", setupErr)
	}
	return shared
}

func startHarness() (*harness, error) {
	chromium, err := chromiumPath()
	if err != nil {
		if os.Getenv(envBrowser) == "skip" {
			skipWhy = fmt.Sprintf("browser tests skipped: no Chromium (%v) and %s=skip", err, envBrowser)
			return nil, nil
		}
		return nil, fmt.Errorf("no Chromium (%w): `make deps` installs Debian's chromium; %s=skip skips these tests instead", err, envBrowser)
	}
	// This run's screenshots only: an old one would pass for a page's look.
	if old, _ := filepath.Glob(filepath.Join(screenshotDir, "*.png")); len(old) > 0 {
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	h := &harness{serveOut: &syncBuffer{}, chromiumOut: &syncBuffer{}}
	if h.tmp, err = os.MkdirTemp("", "callingd-browser-"); err != nil {
		return nil, err
	}
	// A failed start still hands h back, so TestMain cleans up what began.
	shared = h
	var took []string
	for _, phase := range []struct {
		name string
		run  func() error
	}{
		{"build", h.build},
		{"database", h.createDatabase},
		{"seed", h.seed},
		{"serve", h.startServe},
		{"chromium", func() error { return h.startChromium(chromium) }},
	} {
		start := time.Now()
		if err := phase.run(); err != nil {
			return h, err
		}
		took = append(took, fmt.Sprintf("%s %v", phase.name, time.Since(start).Round(time.Millisecond)))
	}
	h.took = strings.Join(took, ", ")
	return h, nil
}

func chromiumPath() (string, error) {
	if p := os.Getenv(envChromium); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium on $PATH (chromium, chromium-browser or google-chrome)")
}

// build compiles callingd once, with -race when the tests have it (the
// packages are then in the build cache already).
func (h *harness) build() error {
	if bin := os.Getenv(envBin); bin != "" {
		h.bin = bin
		return nil
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	h.bin = filepath.Join(h.tmp, "callingd")
	args := []string{"build", "-buildvcs=false", "-o", h.bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, append(args, "github.com/supporterbase/callingsessions/cmd/callingd")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build callingd: %v\n%s", err, out)
	}
	return nil
}

// createDatabase makes an empty database in the private cluster; the
// migrations are callingd's to apply (`callingd migrate`).
func (h *harness) createDatabase() error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	admin, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		return fmt.Errorf("connect to %s (start the cluster with `make db-start`, or set %s): %w", pgtest.AdminURL(), pgtest.EnvURL, err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "browser_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	h.dbName, h.dbURL = name, pgtest.URL(name)
	h.pool, err = pgxpool.New(context.Background(), h.dbURL)
	return err
}

// callingd runs one command line of the binary against the database.
func (h *harness) callingd(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = h.childEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("callingd %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), nil
}

func (h *harness) childEnv() []string {
	return append(os.Environ(),
		"CALLINGD_DATABASE_URL="+h.dbURL,
		"CALLINGD_PASSWORD="+testPassword,
		"CALLINGD_PASSWORD_COST=4", // bcrypt's least: these tests are not about hashing time
		"CALLINGD_LOG_LEVEL=info",
	)
}

// seed migrates and adds the demo organisation (`make run`'s) with
// callingd's own commands, then the tests' organisation and another one to
// stay out of, through the queue (quicker than a process each).
func (h *harness) seed() error {
	if _, err := h.callingd("", "migrate"); err != nil {
		return err
	}
	out, err := h.callingd("", "demo")
	if err != nil {
		return err
	}
	if !strings.Contains(out, demoAdmin+" / "+demoPassword) {
		return fmt.Errorf("callingd demo no longer prints %s / %s:\n%s", demoAdmin, demoPassword, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	store := h.store()
	for _, o := range []struct {
		slug, name, callerID string
		id                   *int64
	}{
		{orgSlug, "Browser Tests", "+442079460001", &h.orgID},
		{otherSlug, "Elsewhere", "+442079460002", &h.otherOrgID},
	} {
		org := queue.NewOrganisation(o.slug, o.name)
		org.Timezone, org.CallerID, org.CallerName = "Europe/London", o.callerID, o.name
		org.AllowedPrefixes = []string{"+44"}
		created, err := store.CreateOrganisation(ctx, org)
		if err != nil {
			return fmt.Errorf("organisation %s: %w", o.slug, err)
		}
		*o.id = created.ID
	}
	// Calling hours all day, so a run at night still dials. 24:00 is set
	// in SQL, as the queue's own tests do: the store writes the window
	// through a time of day, where 24:00 is midnight again.
	if _, err := h.pool.Exec(ctx, `UPDATE organisations SET calling_window_start = '00:00', calling_window_end = '24:00'
		WHERE id IN ($1, $2)`, h.orgID, h.otherOrgID); err != nil {
		return fmt.Errorf("calling window: %w", err)
	}
	return h.seedOther()
}

// startServe runs `callingd serve --simulate` as a child process and reads
// the panel's and the simulator's URLs from what it prints.
func (h *harness) startServe() error {
	cmd := exec.Command(h.bin, "serve", "--listen", "127.0.0.1:0", "--simulate", "--instance", "browser-tests")
	cmd.Env = h.childEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = h.serveOut
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start callingd serve: %w", err)
	}
	h.serve, h.serveDone = cmd, make(chan error, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(h.serveOut, bufio.NewReader(stdout))
	}()
	go func() {
		<-copied // Wait closes stdout: read it all first
		h.serveDone <- cmd.Wait()
	}()

	panelRE := regexp.MustCompile(`Serving the panel at (http://\S+)/`)
	simRE := regexp.MustCompile(`Simulated phone network at (http://\S+)/ari`)
	deadline := time.Now().Add(startTimeout)
	for {
		out := h.serveOut.String()
		if p, s := panelRE.FindStringSubmatch(out), simRE.FindStringSubmatch(out); p != nil && s != nil {
			h.panel, h.sim = p[1], simulator{base: s[1], client: &http.Client{Timeout: 10 * time.Second}}
			break
		}
		select {
		case err := <-h.serveDone:
			h.serveDone <- err
			return fmt.Errorf("callingd serve exited (%v):\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("callingd serve printed no URLs in %v:\n%s", startTimeout, out)
		}
	}
	// Ready: the database answers and the simulator's events websocket
	// is up, so a Start click rings at once.
	for {
		resp, err := http.Get(h.panel + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte("asterisk: ok")) {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("callingd never ready at %s/readyz:\n%s", h.panel, h.serveOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.proxy, err = startProxy(strings.TrimPrefix(h.panel, "http://"))
	if err != nil {
		return err
	}
	h.base = "http://" + h.proxy.addr()
	return nil
}

// startChromium starts the one browser of the run, as this machine needs
// it: headless, as root without the sandbox, no GPU, and nothing that
// calls out to Google's hosts (the closed network refuses them).
func (h *harness) startChromium(path string) error {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(filepath.Join(h.tmp, "chromium-profile")),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.WindowSize(int(desktop.width), int(desktop.height)),
		chromedp.CombinedOutput(h.chromiumOut),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	h.allocCancel = allocCancel
	h.browser, h.browserCancel = chromedp.NewContext(allocCtx)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(h.browser) }()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("start Chromium (%s): %w\n%s", path, err, h.chromiumOut.String())
		}
	case <-time.After(startTimeout):
		return fmt.Errorf("Chromium (%s) did not start in %v:\n%s", path, startTimeout, h.chromiumOut.String())
	}
	return nil
}

// close stops Chromium and callingd (SIGTERM, then a wait) and drops the
// database.
func (h *harness) close() error {
	var errs []error
	if h.browserCancel != nil {
		h.browserCancel()
	}
	if h.allocCancel != nil {
		h.allocCancel()
	}
	if h.proxy != nil {
		h.proxy.close()
	}
	if h.serve != nil {
		_ = h.serve.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-h.serveDone:
			if err != nil {
				errs = append(errs, fmt.Errorf("callingd serve after SIGTERM: %v\n%s", err, tail(h.serveOut.String(), 40)))
			}
		case <-time.After(stopTimeout):
			_ = h.serve.Process.Kill()
			<-h.serveDone
			errs = append(errs, fmt.Errorf("callingd serve still running %v after SIGTERM: killed", stopTimeout))
		}
	}
	if h.pool != nil {
		h.pool.Close()
	}
	if h.dbName != "" {
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		defer cancel()
		if admin, err := pgx.Connect(ctx, pgtest.AdminURL()); err != nil {
			errs = append(errs, err)
		} else {
			if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+h.dbName+" WITH (FORCE)"); err != nil {
				errs = append(errs, fmt.Errorf("drop database: %w", err))
			}
			admin.Close(ctx)
		}
	}
	if h.tmp != "" {
		errs = append(errs, os.RemoveAll(h.tmp))
	}
	return errors.Join(errs...)
}

// uniq is a number no other caller of this run gets, for names, emails and
// phone numbers.
func (h *harness) uniq() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	return h.seq
}

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
