package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Build compiles callingd into a temporary directory and returns the
// binary's path and how to remove it. It runs `go build` in the current
// module, without the race detector: the drills test the product's
// behaviour under faults, and a plain binary starts and runs several times
// faster on a loaded machine.
func Build(ctx context.Context) (path string, remove func(), err error) {
	dir, err := ownedTempDir("callingd-chaos-bin-", nil)
	if err != nil {
		return "", nil, err
	}
	remove = func() { os.RemoveAll(dir) }
	path = filepath.Join(dir, "callingd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "github.com/supporterbase/callingsessions/cmd/callingd")
	// As the Makefile does: a checkout whose VCS state go cannot read
	// must still build.
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		remove()
		return "", nil, fmt.Errorf("go build callingd: %w\n%s", err, out.String())
	}
	return path, remove, nil
}

// instance is one `callingd serve` process. Its stdout and stderr go to a
// log file of its own, whose tail a failing drill shows.
type instance struct {
	name    string // --instance; also names its Stasis application
	app     string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has been waited for
	addr    string        // host:port of its panel, once ready
}

// serveArgs are what an operator would run: one Stasis application per
// instance (README: --ari-application), a short lease so takeovers fit in a
// drill. Logs are at debug level: every event a driver handles, so a
// failed drill's log shows why a session stopped.
type serveArgs struct {
	callingd, databaseURL, ariURL, ariPassword string
	lease                                      time.Duration
}

var servingLine = regexp.MustCompile(`Serving the panel at http://([^/\s]+)/`)

// startInstance starts `callingd serve` as name and waits until its
// /readyz answers 200 (database and Asterisk reachable, events websocket
// subscribed). run counts the starts of one name, so each log file is
// distinct.
func startInstance(ctx context.Context, dir string, a serveArgs, name string, run int) (*instance, error) {
	in := &instance{name: name, app: "callingd-" + name, exited: make(chan struct{}),
		logPath: filepath.Join(dir, fmt.Sprintf("callingd-%s-%d.log", name, run))}
	logFile, err := os.Create(in.logPath)
	if err != nil {
		return nil, fmt.Errorf("instance %s: %w", name, err)
	}
	defer logFile.Close() // the child has its own descriptor
	in.cmd = exec.Command(a.callingd, "serve",
		"--ari-url", a.ariURL, "--ari-password", a.ariPassword, "--ari-application", in.app,
		"--instance", name, "--lease", a.lease.String(), "--listen", "127.0.0.1:0", "--log-level", "debug")
	in.cmd.Env = append(os.Environ(), "CALLINGD_DATABASE_URL="+a.databaseURL)
	in.cmd.Stdout, in.cmd.Stderr = logFile, logFile
	// A drill that dies must not leave servers ringing phones behind it.
	in.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := in.cmd.Start(); err != nil {
		return nil, fmt.Errorf("instance %s: start: %w", name, err)
	}
	go func() { _ = in.cmd.Wait(); close(in.exited) }()
	if err := in.awaitReady(ctx, 30*time.Second); err != nil {
		in.kill()
		return nil, fmt.Errorf("instance %s: %w\n%s", name, err, in.tail(30))
	}
	return in, nil
}

// awaitReady polls the log for the panel's address, then /readyz.
func (in *instance) awaitReady(ctx context.Context, within time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	return poll(ctx, within, 50*time.Millisecond, func() (bool, error) {
		select {
		case <-in.exited:
			return false, fmt.Errorf("exited before it was ready: %v", in.cmd.ProcessState)
		default:
		}
		if in.addr == "" {
			m := servingLine.FindSubmatch(readFile(in.logPath))
			if m == nil {
				return false, nil
			}
			in.addr = string(m[1])
		}
		resp, err := client.Get("http://" + in.addr + "/readyz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}, "/readyz to answer 200")
}

// kill is SIGKILL: no shutdown, no goodbye to Asterisk or the database.
func (in *instance) kill() {
	_ = in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.exited
}

// stop asks the process to shut down as an operator would (SIGTERM) and
// kills it if it has not within a few seconds.
func (in *instance) stop() {
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(10 * time.Second):
		in.kill()
	}
}

// tail is the last n lines of the process's log, headed by its name.
func (in *instance) tail(n int) string {
	lines := strings.Split(strings.TrimRight(string(readFile(in.logPath)), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("--- last %d lines of %s ---\n%s\n", len(lines), in.logPath, strings.Join(lines, "\n"))
}

// grep returns the lines of the process's log that contain any of words.
func (in *instance) grep(words ...string) []string {
	var out []string
	for _, line := range strings.Split(string(readFile(in.logPath)), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
	}
	return out
}

func readFile(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}

// errTimeout marks a poll whose deadline passed.
var errTimeout = errors.New("deadline passed")

// poll calls cond every interval until it reports done, fails, ctx ends or
// within has passed (errTimeout, naming what was awaited).
func poll(ctx context.Context, within, interval time.Duration, cond func() (bool, error), what string) error {
	deadline := time.Now().Add(within)
	for {
		done, err := cond()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %v for %s: %w", within, what, errTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// sleepUntil waits for t, the end of a phase of the evening (the drill's
// workload has a length; nothing is awaited by sleeping).
func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}
