package chaos

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PGBin holds PostgreSQL 15's programs, as Debian installs them (the
// Makefile's PGBIN).
var PGBin = "/usr/lib/postgresql/15/bin"

// cluster is a private PostgreSQL cluster for the drill that restarts
// PostgreSQL: restarting the shared one would break every other package's
// tests running beside it.
type cluster struct {
	dir  string // owned by the postgres user when we are root
	data string
	port int
	asPG []string // the command prefix that runs a program as the cluster's owner
}

// startCluster initialises and starts a cluster on a free loopback port,
// without fsync (a drill's data need not survive the machine), and creates
// the database the drill uses.
func startCluster(ctx context.Context) (*cluster, error) {
	dir, err := ownedTempDir(clusterPrefix, stopOrphanCluster)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	c := &cluster{dir: dir, data: filepath.Join(dir, "data")}
	if err := c.own(); err != nil {
		c.remove()
		return nil, err
	}
	if _, err := c.run(ctx, "initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		c.remove()
		return nil, err
	}
	// A port free a moment ago may be taken by the time the postmaster
	// binds it: try a few.
	for attempt := 0; ; attempt++ {
		if c.port, err = freePort(); err == nil {
			err = c.start(ctx)
		}
		if err == nil || attempt == 2 {
			break
		}
	}
	if err != nil {
		c.remove()
		return nil, err
	}
	if err := c.createDatabase(ctx, "chaos"); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

const clusterPrefix = "callingd-chaos-pg-"

// stopOrphanCluster stops the postmaster of a cluster whose drill died.
func stopOrphanCluster(dir string) {
	c := &cluster{dir: dir, data: filepath.Join(dir, "data")}
	if err := c.own(); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.run(ctx, "pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
	}
}

// own gives the directory to the postgres user when we are root: initdb
// refuses to run as root (the Makefile's db-start does the same). The
// temporary directory's parents (/tmp) are world-traversable.
func (c *cluster) own() error {
	if os.Geteuid() != 0 {
		return nil
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("cluster: initdb refuses root and there is no postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	if err := os.Chown(c.dir, uid, gid); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	c.asPG = []string{"runuser", "-u", "postgres", "--"}
	return nil
}

func (c *cluster) start(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "-D", c.data, "-l", filepath.Join(c.dir, "postgres.log"), "-w", "-t", "60", "start",
		"-o", fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c full_page_writes=off -c max_connections=100", c.port))
	return err
}

// restart is the fault: an immediate stop (no checkpoint, every connection
// cut, as a crash) and a start with the same options; it returns once the
// cluster accepts connections again.
func (c *cluster) restart(ctx context.Context) error {
	// -l again: pg_ctl remembers the server's options, not its log file,
	// and a postmaster writing to our pipe would hold it open for ever.
	_, err := c.run(ctx, "pg_ctl", "-D", c.data, "-l", filepath.Join(c.dir, "postgres.log"), "-m", "immediate", "-w", "-t", "60", "restart")
	return err
}

// stop stops the cluster at once and removes its files.
func (c *cluster) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = c.run(ctx, "pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
	c.remove()
}

func (c *cluster) remove() { _ = os.RemoveAll(c.dir) }

// url is the URL of database name on the cluster.
func (c *cluster) url(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

func (c *cluster) createDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("cluster: create database: %w", err)
	}
	return nil
}

// log is the tail of the postmaster's log, for failure messages: its
// last messages, without the statements they quote.
func (c *cluster) log() string {
	var lines []string
	for _, line := range strings.Split(string(readFile(filepath.Join(c.dir, "postgres.log"))), "\n") {
		if line != "" && !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " ") {
			lines = append(lines, line)
		}
	}
	lines = lines[max(0, len(lines)-20):]
	return "--- last messages of the private cluster's postgres.log ---\n" + strings.Join(lines, "\n") + "\n"
}

// run runs one of PostgreSQL's programs as the cluster's owner.
func (c *cluster) run(ctx context.Context, program string, args ...string) (string, error) {
	argv := append(append(append([]string{}, c.asPG...), filepath.Join(PGBin, program)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Should a server started here inherit the output pipe, stop waiting
	// for it soon after the program itself exits.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("cluster: %s: %w\n%s", program, err, out.String())
	}
	return out.String(), nil
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
