package queue_test

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// importFixture is a database with one organisation and one group to import
// into, on a clock the test moves.
type importFixture struct {
	s     *queue.Store
	clock *fixedClock
	org   queue.Organisation
	group queue.Group
}

func newImportFixture(tb testing.TB) importFixture {
	tb.Helper()
	clock := &fixedClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	s := queue.NewStore(pgtest.NewPool(tb), clock)
	org := mustOrganisation(tb, s, "greens")
	return importFixture{s: s, clock: clock, org: org, group: mustGroup(tb, s, org.ID, "Volunteers")}
}

func (f importFixture) importCSV(tb testing.TB, list, file string) (queue.ImportReport, error) {
	tb.Helper()
	return f.s.Import(context.Background(), f.org.ID, f.group.ID, list, strings.NewReader(file), queue.ImportOptions{})
}

func (f importFixture) mustImport(tb testing.TB, list, file string) queue.ImportReport {
	tb.Helper()
	rep, err := f.importCSV(tb, list, file)
	if err != nil {
		tb.Fatalf("import: %v", err)
	}
	return rep
}

// storedSupporter is a supporters row as the import left it.
type storedSupporter struct {
	ID                                   int64
	FirstName, LastName, PhoneRaw, Phone string
	PhoneKey, Email                      string
	Tags                                 []string
	TimezoneExplicit, Timezone           string
	UpdatedAt                            time.Time
}

// supporters returns the group's supporters by phone key.
func (f importFixture) supporters(tb testing.TB) map[string]storedSupporter {
	tb.Helper()
	rows, err := f.s.Pool().Query(context.Background(), `
		SELECT id, first_name, last_name, phone_raw, coalesce(phone, ''), phone_key, email, tags,
			coalesce(timezone_explicit, ''), timezone, updated_at
		FROM supporters WHERE group_id = $1`, f.group.ID)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string]storedSupporter{}
	for rows.Next() {
		var sp storedSupporter
		if err := rows.Scan(&sp.ID, &sp.FirstName, &sp.LastName, &sp.PhoneRaw, &sp.Phone, &sp.PhoneKey,
			&sp.Email, &sp.Tags, &sp.TimezoneExplicit, &sp.Timezone, &sp.UpdatedAt); err != nil {
			tb.Fatal(err)
		}
		out[sp.PhoneKey] = sp
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// snapshot renders every row an import may touch, to show a refused import
// changed nothing.
func snapshot(tb testing.TB, s *queue.Store) string {
	tb.Helper()
	var out string
	err := s.Pool().QueryRow(context.Background(), `
		SELECT concat_ws(' | ',
			(SELECT string_agg(t::text, ';' ORDER BY id) FROM supporters t),
			(SELECT string_agg(t::text, ';' ORDER BY id) FROM call_lists t),
			(SELECT string_agg(t::text, ';' ORDER BY list_id, supporter_id) FROM list_members t),
			(SELECT last_value FROM list_member_position))`).Scan(&out)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestImport(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	file := "\ufeffFirst Name,SURNAME, Mobile ,E-mail,Labels,time_zone\r\n" +
		"Ada,Lovelace,07700 100001,ada@example.org,\"volunteer; Donor,volunteer\",\r\n" +
		"\"Zoë, the \"\"boss\"\"\",Ng,+1 212 555 0100,,,America/New_York\r\n" +
		"Tom,,+44 (0)7700 100003,,,\r\n"
	var progress []int
	rep, err := f.s.Import(context.Background(), f.org.ID, f.group.ID, "", strings.NewReader(file),
		queue.ImportOptions{Progress: func(n int) { progress = append(progress, n) }, ProgressEvery: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsRead != 3 || rep.Inserted != 3 || rep.Updated != 0 || rep.Unchanged != 0 ||
		len(rep.Rejected) != 0 || len(rep.Warnings) != 0 || rep.ListID != 0 {
		t.Fatalf("report %+v", rep)
	}
	if !reflect.DeepEqual(progress, []int{2, 3}) {
		t.Errorf("progress calls %v, want [2 3]", progress)
	}
	got := f.supporters(t)
	ada := got["+447700100001"]
	if ada.FirstName != "Ada" || ada.LastName != "Lovelace" || ada.PhoneRaw != "07700 100001" ||
		ada.Email != "ada@example.org" || !reflect.DeepEqual(ada.Tags, []string{"Donor", "volunteer"}) ||
		ada.TimezoneExplicit != "" || ada.Timezone != "Europe/London" {
		t.Errorf("Ada stored as %+v", ada)
	}
	zoe := got["+12125550100"]
	if zoe.FirstName != `Zoë, the "boss"` || zoe.TimezoneExplicit != "America/New_York" || zoe.Timezone != "America/New_York" {
		t.Errorf("Zoë stored as %+v", zoe)
	}
	if tom := got["+447700100003"]; tom.FirstName != "Tom" || tom.Phone != "+447700100003" {
		t.Errorf("Tom stored as %+v", tom)
	}
}

func TestImportRefusesFile(t *testing.T) {
	t.Parallel()
	const good = "first_name,phone\nAda,07700100001\n"
	tests := []struct {
		name, field, want string
		file              io.Reader
	}{
		{"ErrEmpty", "file", "is empty", strings.NewReader("")},
		{"ErrBOMOnly", "file", "is empty", strings.NewReader("\ufeff\r\n\r\n")},
		{"ErrHeaderOnly", "file", "header but no rows", strings.NewReader("first_name,phone\r\n")},
		{"ErrOnlyBlankRows", "file", "header but no rows", strings.NewReader("first_name,phone\n,\n  ,\n")},
		{"ErrUnknownColumns", "header", `unknown columns "Shoe size", "fav colour"`,
			strings.NewReader("first_name,Shoe size,phone,fav colour\nAda,5,07700100001,red\n")},
		{"ErrNoPhoneColumn", "header", "no phone column", strings.NewReader("first_name,email\nAda,ada@example.org\n")},
		{"ErrRepeatedColumn", "header", `repeated column "Phone" and "Mobile" (both phone)`,
			strings.NewReader("Phone,Mobile\n07700100001,07700100002\n")},
		{"ErrUnnamedColumn", "header", "column 2 without a name", strings.NewReader("phone,,email\n07700100001,,\n")},
		{"ErrLatin1", "file", "line 3: not UTF-8; save the file as UTF-8",
			strings.NewReader(good + "Jos\xe9,07700100002\nBo,07700100003\n")},
		{"ErrLatin1Header", "file", "line 1: not UTF-8", strings.NewReader("Pr\xe9nom,phone\nAda,07700100001\n")},
		{"ErrUTF16", "file", "UTF-16", strings.NewReader("\xff\xfep\x00h\x00o\x00n\x00e\x00\n\x00")},
		{"ErrUnclosedQuote", "file", "line 3: extraneous or missing \" in quoted-field",
			strings.NewReader(good + "\"Bo,07700100003\nCy,07700100004\n")},
		{"ErrHugeLine", "file", "line 3 is longer than 1 MiB", &hugeLineReader{head: good + "Bo,", size: 10 << 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newImportFixture(t)
			f.mustImport(t, "Existing", "first_name,phone\nOld,07700100099\n")
			before := snapshot(t, f.s)
			_, err := f.s.Import(context.Background(), f.org.ID, f.group.ID, "Phone bank", tc.file, queue.ImportOptions{})
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != tc.field ||
				!strings.Contains(queue.ErrorMessage(err), tc.want) {
				t.Fatalf("got %v (code %s, field %q), want invalid %s containing %q",
					err, queue.ErrorCode(err), queue.ErrorField(err), tc.field, tc.want)
			}
			if after := snapshot(t, f.s); after != before {
				t.Fatalf("refused file changed the database:\nbefore %s\nafter  %s", before, after)
			}
			if h, ok := tc.file.(*hugeLineReader); ok && h.read > 2*queue.MaxImportLineBytes {
				t.Errorf("read %d bytes of a line that was refused after 1 MiB", h.read)
			}
		})
	}
}

// hugeLineReader is a file whose last line is size bytes long, made up as it
// is read, so the test shows the importer stops without reading it all.
type hugeLineReader struct {
	head string
	size int
	read int
}

func (h *hugeLineReader) Read(p []byte) (int, error) {
	if h.read >= len(h.head)+h.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && h.read < len(h.head)+h.size {
		if h.read < len(h.head) {
			p[n] = h.head[h.read]
		} else {
			p[n] = '7'
		}
		n++
		h.read++
	}
	return n, nil
}

func TestImportRows(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	long := strings.Repeat("x", queue.MaxNameLen+1)
	file := "first_name,last_name,phone,email,tags\n" +
		"Ada,Lovelace,07700 100001,ada@example.org,volunteer\n" + // 2
		"Bad,Email,07700100002,not-an-email,\n" + // 3
		long + ",Long,07700100003,,\n" + // 4
		"No,Phone,,,\n" + // 5
		"Dup,Later,+44 7700 100001,,\n" + // 6
		"Short,Number,12345,,\n" + // 7
		"=cmd(),+SUM(A1:A2),07700100008,,\"-1+1;@x\"\n" + // 8
		"@x,-1+1,=2+3 0770,,\n" + // 9
		"Too,Many,07700100010,,,extra\n" + // 10
		",,,,\n" + // 11
		"Cy,Last,07700100012,,\n" // 12
	rep := f.mustImport(t, "", file)
	wantRejected := []queue.RowProblem{
		{Line: 3, Field: "email", Reason: `"not-an-email" is not an email address`},
		{Line: 4, Field: "first_name", Reason: "is longer than 100 characters"},
		{Line: 5, Field: "phone", Reason: "is required"},
		{Line: 6, Field: "phone", Reason: "duplicate of line 2"},
		{Line: 10, Field: "row", Reason: "has 6 cells but the header has 5"},
	}
	if !reflect.DeepEqual(rep.Rejected, wantRejected) {
		t.Errorf("rejected\n%v\nwant\n%v", rep.Rejected, wantRejected)
	}
	if len(rep.Warnings) != 2 || rep.Warnings[0].Line != 7 || rep.Warnings[0].Field != "phone" || rep.Warnings[1].Line != 9 {
		t.Errorf("warnings %v, want lines 7 and 9 about phone", rep.Warnings)
	}
	if rep.RowsRead != 11 || rep.Blank != 1 || rep.Inserted != 5 || rep.Imported() != 5 {
		t.Errorf("report %+v", rep)
	}
	got := f.supporters(t)
	if len(got) != 5 {
		t.Fatalf("stored %d supporters, want 5: %+v", len(got), got)
	}
	if sp := got["12345"]; sp.Phone != "" || sp.PhoneRaw != "12345" || sp.FirstName != "Short" {
		t.Errorf("invalid number stored as %+v, want kept without an E.164 phone", sp)
	}
	formula := got["+447700100008"]
	if formula.FirstName != "=cmd()" || formula.LastName != "+SUM(A1:A2)" || !reflect.DeepEqual(formula.Tags, []string{"-1+1", "@x"}) {
		t.Errorf("formula cells stored as %+v, want verbatim", formula)
	}
	if sp := got["230770"]; sp.FirstName != "@x" || sp.LastName != "-1+1" || sp.PhoneRaw != "=2+3 0770" {
		t.Errorf("formula cells stored as %+v, want verbatim", sp)
	}
	if _, ok := got["+447700100012"]; !ok {
		t.Errorf("the row after the rejected ones was not imported")
	}
}

func TestImportAgain(t *testing.T) {
	t.Parallel()
	const file = "first_name,last_name,phone,email,tags,timezone\n" +
		"Ada,Lovelace,07700100001,ada@example.org,volunteer,\n" +
		"Bo,Diddley,07700100002,,,Europe/Paris\n" +
		"Cy,Twombly,07700100003,,donor,\n"
	t.Run("Unchanged", func(t *testing.T) {
		t.Parallel()
		f := newImportFixture(t)
		f.mustImport(t, "", file)
		first := f.supporters(t)
		f.clock.t = f.clock.t.Add(time.Hour)
		rep := f.mustImport(t, "", file)
		if rep.Unchanged != 3 || rep.Inserted != 0 || rep.Updated != 0 {
			t.Errorf("re-import report %+v, want 3 unchanged", rep)
		}
		if again := f.supporters(t); !reflect.DeepEqual(first, again) {
			t.Errorf("re-import changed supporters:\n%+v\n%+v", first, again)
		}
	})
	t.Run("FewerColumnsKeepValues", func(t *testing.T) {
		t.Parallel()
		f := newImportFixture(t)
		f.mustImport(t, "", file)
		first := f.supporters(t)
		f.clock.t = f.clock.t.Add(time.Hour)
		rep := f.mustImport(t, "", "phone\n07700100001\n07700100002\n07700100003\n")
		if rep.Unchanged != 3 {
			t.Errorf("phone-only re-import report %+v, want 3 unchanged", rep)
		}
		if again := f.supporters(t); !reflect.DeepEqual(first, again) {
			t.Errorf("phone-only re-import changed supporters:\n%+v\n%+v", first, again)
		}
	})
	t.Run("Changed", func(t *testing.T) {
		t.Parallel()
		f := newImportFixture(t)
		f.mustImport(t, "", file)
		first := f.supporters(t)
		f.clock.t = f.clock.t.Add(time.Hour)
		changed := strings.Replace(file, "Cy,Twombly,07700100003,,donor,", "Cy,Twombly,+447700100003,cy@example.org,donor,", 1)
		changed = strings.Replace(changed, ",Europe/Paris", ",", 1)
		rep := f.mustImport(t, "", changed+"Di,New,07700100004,,,\n")
		if rep.Inserted != 1 || rep.Updated != 2 || rep.Unchanged != 1 {
			t.Errorf("report %+v, want 1 inserted, 2 updated, 1 unchanged", rep)
		}
		again := f.supporters(t)
		if !reflect.DeepEqual(again["+447700100001"], first["+447700100001"]) {
			t.Errorf("unchanged row changed: %+v", again["+447700100001"])
		}
		cy := again["+447700100003"]
		if cy.ID != first["+447700100003"].ID || cy.Email != "cy@example.org" || cy.PhoneRaw != "+447700100003" ||
			!cy.UpdatedAt.Equal(f.clock.t) {
			t.Errorf("changed row stored as %+v", cy)
		}
		bo := again["+447700100002"]
		if bo.TimezoneExplicit != "" || bo.Timezone != "Europe/London" || !bo.UpdatedAt.Equal(f.clock.t) {
			t.Errorf("cleared timezone stored as %+v, want derived from the number", bo)
		}
	})
}

func TestImportIntoList(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	ctx := context.Background()
	const file = "phone,first_name\n07700100001,Ada\n07700100002,Bo\nnot a number,Bad\n07700100003,Cy\n"
	rep := f.mustImport(t, "Phone bank", file)
	if !rep.ListCreated || rep.ListName != "Phone bank" || rep.ListID == 0 || rep.MembersAdded != 3 {
		t.Fatalf("first import report %+v, want a new list with 3 members", rep)
	}
	members := func() []string {
		t.Helper()
		rows, err := f.s.Pool().Query(ctx, `
			SELECT s.first_name FROM list_members m JOIN supporters s ON s.id = m.supporter_id
			WHERE m.list_id = $1 AND m.removed_at IS NULL ORDER BY m.position`, rep.ListID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	}
	if got := members(); !reflect.DeepEqual(got, []string{"Ada", "Bo", "Cy"}) {
		t.Fatalf("members %v, want file order", got)
	}

	// Bo was removed from the list; importing the file again re-adds Bo at
	// the end and leaves the others where they are.
	f.clock.t = f.clock.t.Add(time.Hour)
	if _, err := f.s.Pool().Exec(ctx, `
		UPDATE list_members SET removed_at = $2
		WHERE list_id = $1 AND supporter_id = (SELECT id FROM supporters WHERE first_name = 'Bo')`,
		rep.ListID, f.clock.t); err != nil {
		t.Fatal(err)
	}
	f.clock.t = f.clock.t.Add(time.Hour)
	again := f.mustImport(t, "Phone bank", file)
	if again.ListCreated || again.ListID != rep.ListID || again.MembersAdded != 1 || again.Unchanged != 3 {
		t.Fatalf("re-import report %+v, want Bo re-added to the same list", again)
	}
	if got := members(); !reflect.DeepEqual(got, []string{"Ada", "Cy", "Bo"}) {
		t.Fatalf("members %v, want Bo back at the end", got)
	}
	if third := f.mustImport(t, "Phone bank", file); third.MembersAdded != 0 {
		t.Fatalf("third import added %d members, want 0", third.MembersAdded)
	}

	// A second list of the same group takes the same supporters.
	other := f.mustImport(t, "Canvass", "phone\n07700100003\n")
	if !other.ListCreated || other.MembersAdded != 1 || other.Unchanged != 1 {
		t.Fatalf("second list report %+v", other)
	}
}

func TestImportOtherOrganisation(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	foreign := mustOrganisation(t, f.s, "reds")
	foreignGroup := mustGroup(t, f.s, foreign.ID, "Reds")
	before := snapshot(t, f.s)
	tests := []struct {
		name           string
		orgID, groupID int64
	}{
		{"ErrGroupOfAnotherOrganisation", f.org.ID, foreignGroup.ID},
		{"ErrNoSuchGroup", f.org.ID, foreignGroup.ID + 1000},
		{"ErrNoSuchOrganisation", foreign.ID + 1000, f.group.ID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.Import(context.Background(), tc.orgID, tc.groupID, "Phone bank",
				strings.NewReader("phone\n07700100001\n"), queue.ImportOptions{})
			if queue.ErrorCode(err) != queue.ENOTFOUND {
				t.Fatalf("got %v, want not found", err)
			}
		})
	}
	if after := snapshot(t, f.s); after != before {
		t.Fatalf("refused import changed the database:\nbefore %s\nafter  %s", before, after)
	}
}

func TestImportManyRows(t *testing.T) {
	t.Parallel()
	f := newImportFixture(t)
	var b strings.Builder
	b.WriteString("first_name,last_name,phone,tags\n")
	const n = 6000 // more than one batch
	for i := range n {
		fmt.Fprintf(&b, "First%d,Last%d,+4477001%05d,t%d\n", i, i, i, i%7)
	}
	rep := f.mustImport(t, "Everyone", b.String())
	if rep.Inserted != n || rep.MembersAdded != n || len(rep.Rejected) != 0 {
		t.Fatalf("report: read %d, inserted %d, members %d, rejected %v", rep.RowsRead, rep.Inserted, rep.MembersAdded, rep.Rejected[:min(3, len(rep.Rejected))])
	}
	// Ids and list positions follow the file, across batches.
	var outOfOrder int
	err := f.s.Pool().QueryRow(context.Background(), `
		SELECT count(*) FROM (
			SELECT s.first_name, lag(s.first_name) OVER (ORDER BY m.position) AS prev_by_position,
				lag(s.first_name) OVER (ORDER BY s.id) AS prev_by_id,
				substr(s.first_name, 6)::int AS i
			FROM supporters s JOIN list_members m ON m.supporter_id = s.id
		) x
		WHERE prev_by_position IS DISTINCT FROM prev_by_id
			OR (i > 0 AND prev_by_id IS DISTINCT FROM 'First' || (i - 1))`).Scan(&outOfOrder)
	if err != nil || outOfOrder != 0 {
		t.Fatalf("%d supporters out of file order (%v)", outOfOrder, err)
	}
}
