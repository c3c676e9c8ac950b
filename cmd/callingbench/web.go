package main

// The web benchmark (issue 11): the panel as browsers meet it, through the
// real `callingd serve` in a child process on loopback, with this process
// as the browsers. The data is the views benchmark's session of 100,000
// members with an evening's history, its 49 list-mates' sessions and one
// more, so 50 other sessions share the database.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

const (
	webConns   = 100 // keep-alive connections of the page load, each a closed loop
	webWarmUp  = 3 * time.Second
	webLoadFor = 15 * time.Second
	// The SSE case: 500 open pages, and claims and skips alternating.
	webStreams       = 500
	webChanges       = 100
	webChangeSpacing = 200 * time.Millisecond // at least this from one change to the next
	webEventTimeout  = 10 * time.Second       // a change every page has not had by then fails the run
	webPassword      = "a long enough secret" // loadViewsSession's users'
	webLeaderEmail   = "leader@bench.example.org"
)

// benchWeb measures the session dashboard and the supporters sheet under
// 100 concurrent keep-alive connections, the time from a claim or a skip
// committing to its event reaching all of 500 open streams, and callingd's
// memory per open stream.
//
// callingd announces changes every CALLINGD_ANNOUNCE_EVERY (the child
// inherits this process's environment; default queue.AnnounceEvery), which
// bounds the lag from below: run with CALLINGD_ANNOUNCE_EVERY=100ms to
// compare.
func benchWeb(ctx context.Context, b *bench) ([]figure, error) {
	dbURL, store, drop, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	store = queue.NewStore(store.Pool(), fixedClock(claimNow))
	store.PasswordCost = 4
	w, err := loadWebWorld(ctx, b, store)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	srv, err := startCallingd(ctx, b, dbURL)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if w.cookie, err = srv.logIn(ctx, webLeaderEmail, webPassword); err != nil {
		return nil, err
	}
	if err := measureIdle(ctx, b, srv, store); err != nil {
		return nil, err
	}
	dashboard, sheet, err := srv.measurePages(ctx, b, w)
	if err != nil {
		return nil, err
	}
	lags, perStream, err := srv.measureStreams(ctx, b, w)
	if err != nil {
		return nil, err
	}
	return slices.Concat(
		latency("web_dashboard_p%d_ms", dashboard),
		latency("web_sheet_page_p%d_ms", sheet),
		latency("web_sse_lag_p%d_ms", lags),
		[]figure{{"web_sse_bytes_per_client", perStream, "%.0f", "bytes"}},
	), nil
}

// webWorld is what the benchmark reads and changes.
type webWorld struct {
	store      *queue.Store
	orgID      int64
	sessionID  int64
	leader     queue.User
	deepCursor string  // the sheet's cursor 80,000 rows in
	skipIDs    []int64 // supporters far down the queue, one per skip
	cookie     *http.Cookie
}

// loadWebWorld loads the views benchmark's session and one more list-mate's
// session, then finds the sheet's deep cursor and the supporters to skip.
func loadWebWorld(ctx context.Context, b *bench, store *queue.Store) (*webWorld, error) {
	start := time.Now()
	orgID, sessionID, err := loadViewsSession(ctx, store)
	if err != nil {
		return nil, err
	}
	w := &webWorld{store: store, orgID: orgID, sessionID: sessionID}
	if w.leader, err = store.UserByEmail(ctx, orgID, webLeaderEmail); err != nil {
		return nil, err
	}
	if err := addListMate(ctx, store, w.leader, sessionID); err != nil {
		return nil, err
	}
	if _, err := store.Pool().Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return nil, err
	}
	if _, err := store.Pool().Exec(ctx, "CHECKPOINT"); err != nil {
		fmt.Fprintf(b.log, "callingbench web: no checkpoint before measuring: %v\n", err)
	}
	if w.deepCursor, err = cursorAt(ctx, store, orgID, sessionID, viewsDeepRow); err != nil {
		return nil, err
	}
	// Rows 60,000 on: past the history's skips, never reached by the claims.
	err = store.Pool().QueryRow(ctx, `
		SELECT array_agg(supporter_id ORDER BY sort_key) FROM (
			SELECT supporter_id, sort_key FROM session_supporters WHERE session_id = $1
			ORDER BY sort_key OFFSET 60000 LIMIT $2) q`, sessionID, webChanges).Scan(&w.skipIDs)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(b.log, "callingbench web: data loaded in %v\n", time.Since(start).Round(time.Millisecond))
	return w, nil
}

// addListMate starts a 50th other session on the session's list, so 50
// sessions besides the measured one share the database, as the issue asks.
func addListMate(ctx context.Context, store *queue.Store, leader queue.User, sessionID int64) error {
	sess, err := store.Session(ctx, leader.OrganisationID, sessionID)
	if err != nil {
		return err
	}
	mate, err := store.CreateUser(ctx, leader.OrganisationID, queue.UserInput{FirstName: "Mate50",
		Email: "mate50@bench.example.org", Password: webPassword, Mobile: "+447400123456", Admin: true})
	if err != nil {
		return err
	}
	_, _, err = store.StartSession(ctx, mate, sess.ListID, "")
	return err
}

// callingdServer is `callingd serve` running as a child process.
type callingdServer struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	db      string // its database's name, to find its PostgreSQL backends
	stop    func()
	metrics *http.Client
}

// startCallingd migrates the database with `callingd migrate`, then starts
// `callingd serve` on a free loopback port and waits until it is ready.
func startCallingd(ctx context.Context, b *bench, dbURL string) (*callingdServer, error) {
	env := append(os.Environ(), "CALLINGD_DATABASE_URL="+dbURL)
	migrate := exec.CommandContext(ctx, b.callingd, "migrate")
	migrate.Env = env
	if out, err := migrate.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("callingd migrate: %w\n%s", err, out)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(runCtx, b.callingd, "serve", "--listen", "127.0.0.1:0", "--log-level", "warn")
	cmd.Env = env
	cmd.Stderr = b.log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start callingd serve: %w", err)
	}
	s := &callingdServer{cmd: cmd, db: strings.TrimPrefix(u.Path, "/"), metrics: &http.Client{Timeout: 10 * time.Second}}
	s.stop = func() {
		cancel()
		if err := cmd.Wait(); err != nil && runCtx.Err() == nil {
			fmt.Fprintf(b.log, "callingbench web: callingd serve: %v\n", err)
		}
	}
	if s.base, err = servingURL(stdout, b.log); err == nil {
		err = s.waitReady(ctx)
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// servingURL reads serve's stdout until it says where it listens (within a
// minute: it migrates first), then passes the rest on to log.
func servingURL(stdout io.Reader, log io.Writer) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Serving the panel at "); ok {
				found <- strings.TrimSuffix(rest, "/")
				continue
			}
			fmt.Fprintf(log, "callingd: %s\n", sc.Text())
		}
		close(found)
	}()
	select {
	case base, ok := <-found:
		if !ok {
			return "", errors.New("callingd serve exited before serving")
		}
		return base, nil
	case <-time.After(time.Minute):
		return "", errors.New("callingd serve did not say where it listens within a minute")
	}
}

// waitReady polls /readyz, ten times a second for up to 30 s.
func (s *callingdServer) waitReady(ctx context.Context) error {
	for range 300 {
		resp, err := s.metrics.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("callingd serve not ready within 30 s")
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// logIn logs in as a browser does: the login page gives the form's CSRF
// token and its cookie, the form's POST gives the session cookie.
func (s *callingdServer) logIn(ctx context.Context, email, password string) (*http.Cookie, error) {
	client := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.base + "/login")
	if err != nil {
		return nil, fmt.Errorf("login page: %w", err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := csrfInput.FindSubmatch(page)
	if err != nil || token == nil {
		return nil, fmt.Errorf("login page (%s): no CSRF field (%v)", resp.Status, err)
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf": {string(token[1])}, "next": {"/"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, err = client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("log in: %w", err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "callingd_session" && c.Value != "" && resp.StatusCode == http.StatusSeeOther {
			return c, nil
		}
	}
	return nil, fmt.Errorf("log in as %s: %s without a session cookie", email, resp.Status)
}

// measureIdle logs what callingd costs while nobody uses it: its announcer
// runs a statement every interval, an index scan of the sessions marked
// unannounced. Measured by the CPU of callingd and its PostgreSQL backends
// over 5 s, and the statement's own time run from here.
func measureIdle(ctx context.Context, b *bench, srv *callingdServer, store *queue.Store) error {
	const window = 5 * time.Second
	cpu0, db0 := srv.cpu(), backendsCPU(srv.db)
	time.Sleep(window)
	cpu1, db1 := srv.cpu(), backendsCPU(srv.db)
	d, err := repeat(ctx, 200, func(ctx context.Context) (time.Duration, error) {
		t := time.Now()
		_, err := store.AnnounceChanges(ctx)
		return time.Since(t), err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(b.log, "callingbench web: idle, announcing every %v: callingd %.1f ms CPU/s, its database's backends %.1f ms CPU/s; "+
		"an announce pass with nothing marked: %s\n", announceEvery(), ms(cpu1-cpu0)/window.Seconds(), ms(db1-db0)/window.Seconds(), spread(d))
	return nil
}

// announceEvery is the interval callingd runs with: what this process's
// environment passes on to it, else the default.
func announceEvery() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("CALLINGD_ANNOUNCE_EVERY")); err == nil && d > 0 {
		return d
	}
	return queue.AnnounceEvery
}

// cpu is the user + system CPU time callingd has used, from /proc.
func (s *callingdServer) cpu() time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	_, after, ok := strings.Cut(string(stat), ") ")
	f := strings.Fields(after)
	if !ok || len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	sys, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(u+sys) * (time.Second / clockTicks)
}

// loadAverage is the machine's 1, 5 and 15 minute load averages, from
// /proc/loadavg: other work on the machine shows in every figure here.
func loadAverage() string {
	avg, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(avg)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// webPage is one URL the load asks for, named for the log.
type webPage struct {
	name, path string
}

// measurePages loads the dashboard, then the sheet (its first page and the
// page 80,000 rows in, in turn), each for a warm-up and then webLoadFor.
func (s *callingdServer) measurePages(ctx context.Context, b *bench, w *webWorld) (dashboard, sheet []time.Duration, err error) {
	sheetPath := fmt.Sprintf("/sessions/%d/supporters", w.sessionID)
	cases := []struct {
		name  string
		pages []webPage
	}{
		{"dashboard", []webPage{{"dashboard", fmt.Sprintf("/sessions/%d", w.sessionID)}}},
		{"sheet", []webPage{{"sheet first page", sheetPath},
			{"sheet page 80,000 rows in", sheetPath + "?" + url.Values{"after": {w.deepCursor}}.Encode()}}},
	}
	var timings [][]time.Duration
	for _, c := range cases {
		if _, err := s.load(ctx, b, w.cookie, c.pages, webWarmUp); err != nil {
			return nil, nil, fmt.Errorf("%s warm-up: %w", c.name, err)
		}
		d, err := s.load(ctx, b, w.cookie, c.pages, webLoadFor)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.name, err)
		}
		timings = append(timings, d)
	}
	return timings[0], timings[1], nil
}

// pageTally is one load worker's results.
type pageTally struct {
	latencies map[string][]time.Duration // by page name
	statuses  map[int]int                // answers other than 200
	failed    error                      // the first request that got no answer
}

// load runs webConns workers for d, each asking for the pages in turn and
// the next as soon as the last is read whole (a closed loop, as wrk does),
// over keep-alive connections. Every answer must be 200.
func (s *callingdServer) load(ctx context.Context, b *bench, cookie *http.Cookie, pages []webPage, d time.Duration) ([]time.Duration, error) {
	var dialed atomic.Int64
	client := loadClient(webConns, &dialed)
	defer client.CloseIdleConnections()
	cpu0, db0, self0 := s.cpu(), backendsCPU(s.db), processCPU()
	busy0, total0 := machineCPU()
	start := time.Now()
	tallies := make([]pageTally, webConns)
	var wg sync.WaitGroup
	for i := range tallies {
		wg.Go(func() { tallies[i] = loadWorker(ctx, client, s.base, cookie, pages, i, start.Add(d)) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	busy1, total1 := machineCPU()
	byPage, statuses, err := mergeTallies(tallies)
	var all []time.Duration
	for _, p := range pages {
		all = append(all, byPage[p.name]...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no answers: %w", err)
	}
	for _, p := range pages {
		fmt.Fprintf(b.log, "callingbench web: %s: %d requests in %v, %.0f/s; %s\n", p.name, len(byPage[p.name]),
			elapsed.Round(time.Millisecond), float64(len(byPage[p.name]))/elapsed.Seconds(), spread(byPage[p.name]))
	}
	fmt.Fprintf(b.log, "callingbench web:   %d connections dialed; cores used: callingd %.2f, its backends %.2f, callingbench %.2f; "+
		"machine %.0f%% busy, load average %s\n",
		dialed.Load(), (s.cpu()-cpu0).Seconds()/elapsed.Seconds(), (backendsCPU(s.db)-db0).Seconds()/elapsed.Seconds(),
		(processCPU()-self0).Seconds()/elapsed.Seconds(), 100*machineUse(busy0, total0, busy1, total1), loadAverage())
	if err == nil && len(statuses) > 0 {
		err = fmt.Errorf("answers other than 200 (status: count): %v", statuses)
	}
	return all, err
}

// loadClient is an HTTP client keeping up to conns connections alive to
// one host, never following redirects (one to the login page means the
// cookie failed), counting the connections it dials.
func loadClient(conns int, dialed *atomic.Int64) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.MaxConnsPerHost = conns, conns, conns
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: t, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// loadWorker asks for pages in turn, starting at pages[i%len], until
// deadline; a request that gets no answer ends it.
func loadWorker(ctx context.Context, client *http.Client, base string, cookie *http.Cookie, pages []webPage, i int, deadline time.Time) pageTally {
	t := pageTally{latencies: map[string][]time.Duration{}, statuses: map[int]int{}}
	for k := i; time.Now().Before(deadline) && ctx.Err() == nil; k++ {
		p := pages[k%len(pages)]
		start := time.Now()
		status, err := getPage(ctx, client, base+p.path, cookie)
		if err != nil {
			t.failed = err
			return t
		}
		t.latencies[p.name] = append(t.latencies[p.name], time.Since(start))
		if status != http.StatusOK {
			t.statuses[status]++
		}
	}
	return t
}

// getPage asks for url and reads the answer whole: a page counts once it
// has all arrived.
func getPage(ctx context.Context, client *http.Client, url string, cookie *http.Cookie) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.AddCookie(cookie)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, fmt.Errorf("read %s: %w", url, err)
	}
	return resp.StatusCode, nil
}

func mergeTallies(tallies []pageTally) (map[string][]time.Duration, map[int]int, error) {
	byPage, statuses := map[string][]time.Duration{}, map[int]int{}
	var failed error
	for _, t := range tallies {
		for name, d := range t.latencies {
			byPage[name] = append(byPage[name], d...)
		}
		for code, n := range t.statuses {
			statuses[code] += n
		}
		if failed == nil {
			failed = t.failed
		}
	}
	return byPage, statuses, failed
}
