package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// importDatabase returns a database with organisation "greens" and its group
// "Volunteers", and a count of the supporters in it.
func importDatabase(t *testing.T) (string, func() int) {
	t.Helper()
	ctx := context.Background()
	db := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := queue.NewStore(pool, nil)
	org, err := s.CreateOrganisation(ctx, queue.NewOrganisation("greens", "Greens"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGroup(ctx, org.ID, "Volunteers"); err != nil {
		t.Fatal(err)
	}
	return db, func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM supporters`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportCommand(t *testing.T) {
	t.Parallel()
	const good = "\ufeffFirst Name,Surname,Mobile,Email\n" +
		"Ada,Lovelace,07700 100001,ada@example.org\n" +
		"Bo,Diddley,12345,\n" +
		"No,Phone,,\n" +
		"Cy,Twombly,07700100003,\n"
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		db, count := importDatabase(t)
		path := writeFile(t, good)
		r := callingd(t, db, "", nil, "import", "--org", "greens", "--group", "Volunteers", "--list", "Phone bank", path)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{
			"4 rows read", "inserted   3", "rejected   1", `call list "Phone bank" (new list): 3 members added`,
			"  line 4: phone: is required\n", `  line 3: phone: "12345" is not a valid phone number`,
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
		if n := count(); n != 3 {
			t.Errorf("%d supporters stored, want 3", n)
		}
		again := callingd(t, db, "", nil, "import", "--org", "greens", "--group", "Volunteers", "--list", "Phone bank", path)
		if again.code != 0 || !strings.Contains(again.stdout, "unchanged  3") || !strings.Contains(again.stdout, ": 0 members added") {
			t.Errorf("re-import: exit %d\n%s%s", again.code, again.stdout, again.stderr)
		}
	})
	t.Run("Stdin", func(t *testing.T) {
		t.Parallel()
		db, count := importDatabase(t)
		r := callingd(t, db, good, nil, "import", "--org", "greens", "--group", "Volunteers", "-")
		if r.code != 0 || !strings.Contains(r.stdout, "Imported standard input") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if n := count(); n != 3 {
			t.Errorf("%d supporters stored, want 3", n)
		}
	})
	refused := []struct {
		name string
		args []string
		file string
		code int
		want string
	}{
		{"ErrLatin1", nil, "first_name,phone\nJos\xe9,07700100001\n", 1,
			"callingd import: file: line 2: not UTF-8; save the file as UTF-8 (nothing was imported)\n"},
		{"ErrUnknownColumn", nil, "phone,shoe size\n07700100001,9\n", 1, `header: unknown column "shoe size"`},
		{"ErrHeaderOnly", nil, "phone\n", 1, "file: has a header but no rows"},
		{"ErrNoOrg", []string{"import", "--group", "Volunteers"}, good, 1, "org: is required"},
		{"ErrUnknownOrg", []string{"import", "--org", "reds", "--group", "Volunteers"}, good, 1, "organisation reds not found"},
		{"ErrUnknownGroup", []string{"import", "--org", "greens", "--group", "Nobody"}, good, 1, "group Nobody not found"},
		{"ErrNoFile", []string{"import", "--org", "greens", "--group", "Volunteers"}, "", 2, "give one CSV file"},
		{"ErrMissingFile", []string{"import", "--org", "greens", "--group", "Volunteers", "/nonexistent/people.csv"}, "", 1,
			"no such file"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, count := importDatabase(t)
			args := tc.args
			if args == nil {
				args = []string{"import", "--org", "greens", "--group", "Volunteers"}
			}
			if tc.file != "" {
				args = append(args, writeFile(t, tc.file))
			}
			r := callingd(t, db, "", nil, args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if n := count(); n != 0 {
				t.Errorf("refused import stored %d supporters", n)
			}
		})
	}
}

func TestImportHelpListsColumns(t *testing.T) {
	t.Parallel()
	r := callingd(t, "", "", nil, "import", "--help")
	for _, want := range []string{"--org", "--group", "--list", "--database-url", "CALLINGD_DATABASE_URL",
		"given name", "forename", "Surname", "mobile", "e-mail", "labels", "tz", "FILE.csv", "standard input"} {
		if !strings.Contains(strings.ToLower(r.stdout), strings.ToLower(strings.TrimPrefix(want, "-"))) {
			t.Errorf("import --help lacks %q", want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := progressLine(&b)
	p(5000)
	p(10000)
	if got := b.String(); got != "\rimporting: 5000 rows read\rimporting: 10000 rows read" {
		t.Fatalf("progress %q", got)
	}
	if isTerminal(&b) {
		t.Fatal("a buffer is not a terminal")
	}
}
