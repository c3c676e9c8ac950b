package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
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

// result is what one command line did.
type result struct {
	code           int
	stdout, stderr string
}

// callingd runs a command line in-process against dbURL.
func callingd(t *testing.T, dbURL, stdin string, extraEnv map[string]string, args ...string) result {
	t.Helper()
	var out, errOut syncBuffer
	env := &environment{stdout: &out, stderr: &errOut, stdin: strings.NewReader(stdin),
		getenv: func(k string) string {
			switch k {
			case "CALLINGD_DATABASE_URL":
				return dbURL
			case "CALLINGD_PASSWORD_COST":
				return "4" // bcrypt's least: these tests are not about hashing time
			}
			return extraEnv[k]
		}}
	code := run(context.Background(), env, args)
	return result{code, out.String(), errOut.String()}
}

func TestHelpExplainsEveryFlag(t *testing.T) {
	t.Parallel()
	lines := [][]string{
		{"serve"}, {"migrate"}, {"import"}, {"org", "add"}, {"org", "show"}, {"group", "add"},
		{"user", "add"}, {"user", "set-password"}, {"user", "set-mobile"}, {"user", "role"}, {"demo"},
	}
	for _, line := range lines {
		t.Run(strings.Join(line, "_"), func(t *testing.T) {
			t.Parallel()
			r := callingd(t, "", "", nil, append(line, "--help")...)
			if r.code != 0 {
				t.Fatalf("--help exit %d: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "Usage: callingd "+line[0]) || !strings.Contains(r.stdout, "CALLINGD_DATABASE_URL") {
				t.Fatalf("help lacks usage or environment:\n%s", r.stdout)
			}
			// Every flag printed has a sentence of its own.
			for _, m := range regexp.MustCompile(`(?m)^  -(\S+).*\n(.*)$`).FindAllStringSubmatch(r.stdout, -1) {
				if len(strings.TrimSpace(m[2])) < 10 {
					t.Errorf("flag -%s is not explained", m[1])
				}
			}
		})
	}
	r := callingd(t, "", "", nil, "--help")
	for name := range commands {
		if !strings.Contains(r.stdout, "  "+name) {
			t.Errorf("top-level help does not list %q", name)
		}
	}
}

func TestBadCommandLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"NoCommand", nil, 2, ""},
		{"Unknown", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"UnknownFlag", []string{"migrate", "--nope"}, 2, "flag provided but not defined"},
		{"NoDatabase", []string{"migrate"}, 1, "database-url: is required"},
		{"UserNoSub", []string{"user"}, 2, "Usage: callingd user"},
		{"BadAnnounceEvery", []string{"serve", "--announce-every", "soon"}, 1, `announce-every: must be a positive duration such as 250ms, not "soon"`},
		{"ZeroAnnounceEvery", []string{"serve", "--announce-every", "0s"}, 1, "announce-every"},
		{"ShortLease", []string{"serve", "--lease", "500ms"}, 1, `lease: must be a duration of at least 1s such as 30s, not "500ms"`},
		{"BadLease", []string{"serve", "--lease", "long"}, 1, "lease: must be a duration"},
		{"BadWindow", []string{"org", "add", "--slug", "x", "--name", "X", "--calling-window", "nine-five"}, 1, "calling-window"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := callingd(t, "", "", nil, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d with %q", r.code, r.stderr, tc.code, tc.want)
			}
		})
	}
}

func TestOperatorCommands(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	steps := []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"", []string{"migrate"}, 0, "schema up to date"},
		{"", []string{"org", "add", "--slug", "greens", "--name", "Greens", "--timezone", "Europe/London", "--allow-prefix", "+44"}, 0, "added organisation greens"},
		{"", []string{"org", "add", "--slug", "greens", "--name", "Again"}, 1, "slug: an organisation with this slug already exists"},
		{"", []string{"org", "show", "--slug", "greens"}, 0, "allowed prefixes: +44"},
		{"", []string{"group", "add", "--org", "greens", "--name", "North"}, 0, `added group "North"`},
		{"", []string{"group", "list", "--org", "greens"}, 0, "North"},
		{"a long enough secret\n", []string{"user", "add", "--org", "greens", "--email", "cap@example.org", "--first-name", "Cap",
			"--mobile", "07911 123456", "--group", "North", "--role", "captain"}, 0, "added user cap@example.org"},
		{"short\n", []string{"user", "add", "--org", "greens", "--email", "weak@example.org", "--first-name", "Weak"}, 1, "password: must be at least 10"},
		{"", []string{"user", "add", "--org", "greens", "--email", "nopass@example.org", "--first-name", "No"}, 1, "password: is required"},
		{"another long secret\n", []string{"user", "add", "--org", "greens", "--email", "cap@example.org", "--first-name", "Dup"}, 1, "email: a user with this email already exists"},
		{"another long secret\n", []string{"user", "add", "--org", "nowhere", "--email", "x@example.org", "--first-name", "X"}, 1, "organisation nowhere not found"},
		{"", []string{"user", "set-mobile", "--org", "greens", "--email", "cap@example.org", "--mobile", "123"}, 1, "mobile:"},
		{"", []string{"user", "set-mobile", "--org", "greens", "--email", "cap@example.org", "--mobile", "+447400123456"}, 0, "+447400123456"},
		{"a brand new secret\n", []string{"user", "set-password", "--org", "greens", "--email", "cap@example.org"}, 0, "password of cap@example.org replaced"},
		{"", []string{"user", "role", "--org", "greens", "--email", "cap@example.org", "--group", "North", "--role", "king"}, 1, "role:"},
		{"", []string{"user", "role", "--org", "greens", "--email", "ghost@example.org", "--group", "North", "--role", "member"}, 1, "not found"},
	}
	for _, st := range steps {
		r := callingd(t, db, st.stdin, nil, st.args...)
		if r.code != st.code || !strings.Contains(r.stdout+r.stderr, st.want) {
			t.Fatalf("callingd %s: exit %d\nstdout %s\nstderr %s\nwant exit %d with %q",
				strings.Join(st.args, " "), r.code, r.stdout, r.stderr, st.code, st.want)
		}
	}
}

func TestDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	for i := 0; i < 2; i++ {
		r := callingd(t, db, "", nil, "demo")
		if r.code != 0 || !strings.Contains(r.stdout, "admin@demo.example / "+demoPassword) {
			t.Fatalf("demo run %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
	}
	r := callingd(t, db, "", nil, "group", "list", "--org", "demo")
	if r.stdout != "North Branch\nSouth Branch\n" {
		t.Fatalf("demo groups: %q", r.stdout)
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var supporters, valid, lists, eventLists, leaders int
	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM supporters), (SELECT count(*) FROM supporters WHERE phone IS NOT NULL),
		(SELECT count(*) FROM call_lists), (SELECT count(*) FROM call_lists WHERE event_id IS NOT NULL),
		(SELECT count(*) FROM users WHERE mobile IS NOT NULL)`).Scan(&supporters, &valid, &lists, &eventLists, &leaders)
	if err != nil || supporters != 200 || valid != 200 || lists != 3 || eventLists != 1 || leaders != 2 {
		t.Fatalf("demo holds %d supporters (%d valid), %d lists (%d with an event), %d leaders with mobiles: %v",
			supporters, valid, lists, eventLists, leaders, err)
	}
}

func TestServeAnswersReadyz(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	env, out, errOut := serveEnv(db)
	done := make(chan int)
	go func() { done <- run(ctx, env, []string{"serve", "--listen", "127.0.0.1:0"}) }()
	url := waitForURL(t, out)
	resp, err := http.Get(url + "readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/readyz = %d %s", resp.StatusCode, body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d after interrupt: %s", code, errOut.String())
	}
	// Every goroutine serve started stopped before the pool closed (issue
	// 12): none wrote to a closed pool.
	if strings.Contains(errOut.String(), "closed pool") {
		t.Fatalf("a write after the pool closed:\n%s", errOut.String())
	}
}

// TestServeLogsInDemoUsers: the logins `callingd demo` prints open the
// panel (`make run`'s promise to a newcomer).
func TestServeLogsInDemoUsers(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	demo := callingd(t, db, "", nil, "demo")
	if demo.code != 0 {
		t.Fatalf("demo: %s", demo.stderr)
	}
	logins := regexp.MustCompile(`(?m)^  (\S+@\S+) / (\S+)$`).FindAllStringSubmatch(demo.stdout, -1)
	if len(logins) != len(demoUsers) {
		t.Fatalf("demo printed %d logins: %q", len(logins), demo.stdout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	env, out, errOut := serveEnv(db)
	done := make(chan int)
	go func() { done <- run(ctx, env, []string{"serve", "--listen", "127.0.0.1:0"}) }()
	panel := waitForURL(t, out)
	for _, login := range logins {
		if status, location := logIn(t, panel, login[1], login[2]); status != http.StatusSeeOther || location != "/" {
			t.Errorf("log in as %s: %d to %q, want 303 to /", login[1], status, location)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d after interrupt: %s", code, errOut.String())
	}
	// Every goroutine serve started stopped before the pool closed (issue
	// 12): none wrote to a closed pool.
	if strings.Contains(errOut.String(), "closed pool") {
		t.Fatalf("a write after the pool closed:\n%s", errOut.String())
	}
}

// logIn fills in the panel's login form as a browser would and returns
// the answer's status and redirect.
func logIn(t *testing.T, panel, email, password string) (int, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, page := getBodyWith(t, client, panel+"login")
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if token == nil {
		t.Fatalf("no CSRF token on the login page:\n%s", page)
	}
	resp, err := client.PostForm(panel+"login", url.Values{"email": {email}, "password": {password}, "csrf": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func getBodyWith(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func waitForURL(t *testing.T, out *syncBuffer) string {
	t.Helper()
	re := regexp.MustCompile(`Serving the panel at (http://\S+/)`)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("serve printed no URL: %q", out.String())
	return ""
}

// TestServeWithSimulatedPhones: `make run`'s phone network. A Start click in
// the demo organisation rings the captain's mobile on the simulator, and
// /readyz reports Asterisk (R4.1, R11.2).
func TestServeWithSimulatedPhones(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	if r := callingd(t, db, "", nil, "demo"); r.code != 0 {
		t.Fatalf("demo: %s", r.stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	env, out, errOut := serveEnv(db)
	done := make(chan int)
	go func() {
		done <- run(ctx, env, []string{"serve", "--listen", "127.0.0.1:0", "--simulate", "--instance", "test"})
	}()
	panel := waitForURL(t, out)
	sim := regexp.MustCompile(`Simulated phone network at (http://\S+)/ari`).FindStringSubmatch(out.String())
	if sim == nil {
		t.Fatalf("no simulator URL in %q", out.String())
	}
	eventually(t, "asterisk ready", func() bool {
		status, body := getBody(t, panel+"readyz")
		return status == 200 && strings.Contains(body, "asterisk: ok")
	})

	pool, err := pgxpool.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := queue.NewStore(pool, queue.SystemClock{})
	org, err := store.OrganisationBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	captain, err := store.UserByEmail(ctx, org.ID, "captain@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	var listID int64
	if err := pool.QueryRow(ctx, `SELECT l.id FROM call_lists l JOIN supporter_groups g ON g.id = l.group_id
		WHERE g.name = 'North Branch' ORDER BY l.id LIMIT 1`).Scan(&listID); err != nil {
		t.Fatal(err)
	}
	sess, _, err := store.StartSession(ctx, captain, listID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.RequestPhone(ctx, captain, sess.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the captain's phone rings", func() bool {
		_, body := getBody(t, sim[1]+"/sim/channels")
		return strings.Contains(body, captain.Mobile)
	})
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d after interrupt: %s", code, errOut.String())
	}
	// Every goroutine serve started stopped before the pool closed (issue
	// 12): none wrote to a closed pool.
	if strings.Contains(errOut.String(), "closed pool") {
		t.Fatalf("a write after the pool closed:\n%s", errOut.String())
	}
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited in vain for %s", what)
}

// serveEnv is an environment whose database is db, with its output kept.
func serveEnv(db string) (env *environment, out, errOut *syncBuffer) {
	out, errOut = &syncBuffer{}, &syncBuffer{}
	env = &environment{stdout: out, stderr: errOut, stdin: strings.NewReader(""),
		getenv: func(k string) string {
			if k == "CALLINGD_DATABASE_URL" {
				return db
			}
			return ""
		}}
	return env, out, errOut
}
