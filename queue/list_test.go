package queue_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

func mustList(tb testing.TB, s *queue.Store, orgID, groupID int64, name string) queue.List {
	tb.Helper()
	l, err := s.CreateList(context.Background(), orgID, groupID, name, 0)
	if err != nil {
		tb.Fatalf("create list: %v", err)
	}
	return l
}

// mustMemberIDs returns the ids of a list's current members in queue order.
func mustMemberIDs(tb testing.TB, s *queue.Store, orgID, listID int64) []int64 {
	tb.Helper()
	var ids []int64
	for after := int64(0); ; {
		page, err := s.ListMembers(context.Background(), orgID, listID, after, 2)
		if err != nil {
			tb.Fatalf("list members: %v", err)
		}
		if len(page) == 0 {
			return ids
		}
		for _, m := range page {
			ids = append(ids, m.ID)
		}
		after = page[len(page)-1].Position
	}
}

func TestCreateList(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	t.Run("OK", func(t *testing.T) {
		l, err := s.CreateList(ctx, org.ID, g.ID, "  Spring phone bank ", 0)
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != "Spring phone bank" || l.OrganisationID != org.ID || l.GroupID != g.ID || l.EventID != 0 ||
			l.MemberCount != 0 || !l.CreatedAt.Equal(fixedStoreTime) {
			t.Fatalf("got %+v", l)
		}
		for name, find := range map[string]func() (queue.List, error){
			"List":       func() (queue.List, error) { return s.List(ctx, org.ID, l.ID) },
			"ListByName": func() (queue.List, error) { return s.ListByName(ctx, org.ID, g.ID, "Spring phone bank") },
		} {
			if got, err := find(); err != nil || !reflect.DeepEqual(got, l) {
				t.Fatalf("%s: %+v, %v", name, got, err)
			}
		}
	})
	bad := []struct{ name, listName string }{
		{"ErrNameEmpty", "  "},
		{"ErrNameTooLong", strings.Repeat("é", queue.MaxListNameLen+1)},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateList(ctx, org.ID, g.ID, tc.listName, 0)
			if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != "name" {
				t.Fatalf("got %v, want invalid name", err)
			}
		})
	}
	t.Run("NameOfMaxLength", func(t *testing.T) {
		mustList(t, s, org.ID, g.ID, strings.Repeat("é", queue.MaxListNameLen))
	})
	t.Run("ErrNameTaken", func(t *testing.T) {
		mustList(t, s, org.ID, g.ID, "Taken")
		_, err := s.CreateList(ctx, org.ID, g.ID, "Taken", 0)
		if queue.ErrorCode(err) != queue.ECONFLICT || queue.ErrorField(err) != "name" {
			t.Fatalf("got %v, want conflict on name", err)
		}
	})
	t.Run("SameNameInAnotherGroup", func(t *testing.T) {
		mustList(t, s, org.ID, g.ID, "Shared")
		mustList(t, s, org.ID, mustGroup(t, s, org.ID, "South").ID, "Shared")
	})
	t.Run("ErrNoSuchGroup", func(t *testing.T) {
		_, err := s.CreateList(ctx, org.ID, g.ID+1000, "Nowhere", 0)
		if queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})
}

func TestUpdateList(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	l := mustList(t, s, org.ID, g.ID, "Old")
	mustList(t, s, org.ID, g.ID, "Other")
	t.Run("OK", func(t *testing.T) {
		got, err := s.UpdateList(ctx, org.ID, l.ID, "New", 0)
		if err != nil || got.Name != "New" || got.ID != l.ID {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	tests := []struct {
		name, listName, field, code string
		listID                      int64
	}{
		{"ErrName", "", "name", queue.EINVALID, l.ID},
		{"ErrNameTaken", "Other", "name", queue.ECONFLICT, l.ID},
		{"ErrNotFound", "Fine", "", queue.ENOTFOUND, l.ID + 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdateList(ctx, org.ID, tc.listID, tc.listName, 0)
			if queue.ErrorCode(err) != tc.code || queue.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want %s %s", err, queue.ErrorField(err), tc.code, tc.field)
			}
		})
	}
}

func TestDeleteList(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	l := mustList(t, s, org.ID, g.ID, "Gone")
	sp := mustSupporter(t, s, org.ID, g.ID, "+442079460000")
	if err := s.AddListMember(ctx, org.ID, l.ID, sp.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteList(ctx, org.ID, l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(ctx, org.ID, l.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("deleted list still found: %v", err)
	}
	if _, err := s.Supporter(ctx, org.ID, sp.ID); err != nil {
		t.Fatalf("its member went with it: %v", err)
	}
	if err := s.DeleteList(ctx, org.ID, l.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("second delete: %v, want not found", err)
	}
}

func TestLists(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	empty := mustGroup(t, s, org.ID, "Empty")
	b, a := mustList(t, s, org.ID, g.ID, "B list"), mustList(t, s, org.ID, g.ID, "A list")
	sp := mustSupporter(t, s, org.ID, g.ID, "+442079460000")
	if err := s.AddListMember(ctx, org.ID, b.ID, sp.ID); err != nil {
		t.Fatal(err)
	}
	ls, err := s.Lists(ctx, org.ID, g.ID)
	if err != nil || len(ls) != 2 || ls[0].ID != a.ID || ls[1].ID != b.ID || ls[0].MemberCount != 0 || ls[1].MemberCount != 1 {
		t.Fatalf("got %+v, %v; want A list (0 members), B list (1)", ls, err)
	}
	if ls, err := s.Lists(ctx, org.ID, empty.ID); err != nil || len(ls) != 0 {
		t.Fatalf("empty group: %+v, %v", ls, err)
	}
	if _, err := s.ListByName(ctx, org.ID, g.ID, "C list"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("unknown name: %v, want not found", err)
	}
}

func TestListMembershipOrder(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	l := mustList(t, s, org.ID, g.ID, "Everyone")
	var sp [6]int64
	for i := range sp {
		sp[i] = mustSupporter(t, s, org.ID, g.ID, fmt.Sprintf("+44207946000%d", i)).ID
	}
	add := func(t *testing.T, want int, ids ...int64) {
		t.Helper()
		if n, err := s.AddListMembers(ctx, org.ID, l.ID, ids); err != nil || n != want {
			t.Fatalf("add %v: %d, %v; want %d added", ids, n, err, want)
		}
	}
	remove := func(t *testing.T, want int, ids ...int64) {
		t.Helper()
		if n, err := s.RemoveListMembers(ctx, org.ID, l.ID, ids); err != nil || n != want {
			t.Fatalf("remove %v: %d, %v; want %d removed", ids, n, err, want)
		}
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
		want []int64
	}{
		{"BulkAddKeepsTheOrderGiven", func(t *testing.T) { add(t, 3, sp[3], sp[1], sp[2]) }, []int64{sp[3], sp[1], sp[2]}},
		{"NewcomerJoinsAtTheEnd", func(t *testing.T) { add(t, 1, sp[4]) }, []int64{sp[3], sp[1], sp[2], sp[4]}},
		{"CurrentMemberAddedAgainKeepsItsPlace", func(t *testing.T) { add(t, 0, sp[1]) }, []int64{sp[3], sp[1], sp[2], sp[4]}},
		{"RemoveLeavesTheQueue", func(t *testing.T) { remove(t, 1, sp[1]) }, []int64{sp[3], sp[2], sp[4]}},
		{"RemovingANonMemberDoesNothing", func(t *testing.T) { remove(t, 0, sp[1], sp[5]) }, []int64{sp[3], sp[2], sp[4]}},
		{"ReaddedGoesToTheEnd", func(t *testing.T) { add(t, 1, sp[1]) }, []int64{sp[3], sp[2], sp[4], sp[1]}},
		{"DuplicateIdsCountOnce", func(t *testing.T) { add(t, 1, sp[5], sp[5], sp[3]) }, []int64{sp[3], sp[2], sp[4], sp[1], sp[5]}},
		{"OneByOne", func(t *testing.T) {
			if err := s.RemoveListMember(ctx, org.ID, l.ID, sp[3]); err != nil {
				t.Fatal(err)
			}
			if err := s.AddListMember(ctx, org.ID, l.ID, sp[0]); err != nil {
				t.Fatal(err)
			}
		}, []int64{sp[2], sp[4], sp[1], sp[5], sp[0]}},
		{"EmptyBulkDoesNothing", func(t *testing.T) { add(t, 0); remove(t, 0) }, []int64{sp[2], sp[4], sp[1], sp[5], sp[0]}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.do(t)
			if got := mustMemberIDs(t, s, org.ID, l.ID); !reflect.DeepEqual(got, step.want) {
				t.Fatalf("queue %v, want %v", got, step.want)
			}
		})
	}
	t.Run("HistoryKept", func(t *testing.T) {
		var removedAt *time.Time
		err := s.Pool().QueryRow(ctx, `SELECT removed_at FROM list_members WHERE list_id = $1 AND supporter_id = $2`,
			l.ID, sp[3]).Scan(&removedAt)
		if err != nil || removedAt == nil || !removedAt.Equal(fixedStoreTime) {
			t.Fatalf("removed member's row: removed_at %v, %v", removedAt, err)
		}
	})
}

// statementCounter counts the statements that mention a table.
type statementCounter struct {
	table string
	n     atomic.Int64
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if strings.Contains(data.SQL, c.table) {
		c.n.Add(1)
	}
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// mustCountingStore is mustStore on a pool that counts the statements
// touching table.
func mustCountingStore(tb testing.TB, table string) (*queue.Store, *statementCounter) {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(tb))
	if err != nil {
		tb.Fatal(err)
	}
	counter := &statementCounter{table: table}
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return queue.NewStore(pool, &fixedClock{t: fixedStoreTime}), counter
}

// mustSupporters inserts n supporters of a group directly, as an import
// would, and returns their ids in id order.
func mustSupporters(tb testing.TB, s *queue.Store, orgID, groupID int64, n int) []int64 {
	tb.Helper()
	rows, err := s.Pool().Query(context.Background(), `
		INSERT INTO supporters (organisation_id, group_id, phone_raw, phone, phone_key, timezone, created_at, updated_at)
		SELECT $1, $2, p, p, p, 'Europe/London', now(), now()
		FROM generate_series(1, $3) AS i, concat('+4420', lpad(i::text, 8, '0')) AS p
		RETURNING id`, orgID, groupID, n)
	if err != nil {
		tb.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

func TestAddListMembersBulk(t *testing.T) {
	t.Parallel()
	s, statements := mustCountingStore(t, "list_members")
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g := mustGroup(t, s, org.ID, "North")
	l := mustList(t, s, org.ID, g.ID, "Everyone")
	ids := mustSupporters(t, s, org.ID, g.ID, 10_000)
	slices.Reverse(ids) // the order given, not the id order, is the queue order
	before := statements.n.Load()
	start := time.Now()
	added, err := s.AddListMembers(ctx, org.ID, l.ID, ids)
	elapsed := time.Since(start)
	if err != nil || added != len(ids) {
		t.Fatalf("added %d, %v; want %d", added, err, len(ids))
	}
	if n := statements.n.Load() - before; n != 1 {
		t.Fatalf("bulk add took %d statements, want 1", n)
	}
	if elapsed > 5*time.Second {
		t.Fatalf("bulk add of %d took %v", len(ids), elapsed)
	}
	t.Logf("added %d members in %v", len(ids), elapsed)
	page, err := s.ListMembers(ctx, org.ID, l.ID, 0, queue.MaxSupportersPage)
	if err != nil || len(page) != queue.MaxSupportersPage || page[0].ID != ids[0] || page[999].ID != ids[999] {
		t.Fatalf("first page: %d members, %v", len(page), err)
	}
	if got, err := s.List(ctx, org.ID, l.ID); err != nil || got.MemberCount != len(ids) {
		t.Fatalf("member count %d, %v", got.MemberCount, err)
	}
	before = statements.n.Load()
	removed, err := s.RemoveListMembers(ctx, org.ID, l.ID, ids[:5000])
	if err != nil || removed != 5000 {
		t.Fatalf("removed %d, %v", removed, err)
	}
	if n := statements.n.Load() - before; n != 1 {
		t.Fatalf("bulk remove took %d statements, want 1", n)
	}
	if page, err := s.ListMembers(ctx, org.ID, l.ID, 0, 1); err != nil || page[0].ID != ids[5000] {
		t.Fatalf("after removing the first half the queue starts with %+v, %v", page, err)
	}
}

func TestAddListMembersRejectsUnknown(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	org := mustOrganisation(t, s, "a")
	g, other := mustGroup(t, s, org.ID, "North"), mustGroup(t, s, org.ID, "South")
	l := mustList(t, s, org.ID, g.ID, "Everyone")
	member := mustSupporter(t, s, org.ID, g.ID, "+442079460000")
	fresh := mustSupporter(t, s, org.ID, g.ID, "+442079460001")
	elsewhere := mustSupporter(t, s, org.ID, other.ID, "+442079460002")
	if err := s.AddListMember(ctx, org.ID, l.ID, member.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() (int, error)
	}{
		{"AddOtherGroupsSupporter", func() (int, error) {
			return s.AddListMembers(ctx, org.ID, l.ID, []int64{fresh.ID, elsewhere.ID})
		}},
		{"AddNoSuchSupporter", func() (int, error) {
			return s.AddListMembers(ctx, org.ID, l.ID, []int64{fresh.ID, elsewhere.ID + 1000})
		}},
		{"RemoveOtherGroupsSupporter", func() (int, error) {
			return s.RemoveListMembers(ctx, org.ID, l.ID, []int64{member.ID, elsewhere.ID})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := tc.do()
			if queue.ErrorCode(err) != queue.ENOTFOUND || queue.ErrorField(err) != "supporter_ids" || n != 0 {
				t.Fatalf("got %d, %v (field %q); want not found supporter_ids", n, err, queue.ErrorField(err))
			}
			if got := mustMemberIDs(t, s, org.ID, l.ID); !reflect.DeepEqual(got, []int64{member.ID}) {
				t.Fatalf("members changed to %v", got)
			}
		})
	}
	t.Run("ErrTooMany", func(t *testing.T) {
		_, err := s.AddListMembers(ctx, org.ID, l.ID, make([]int64, queue.MaxBulkMembers+1))
		if queue.ErrorCode(err) != queue.EINVALID || queue.ErrorField(err) != "supporter_ids" {
			t.Fatalf("got %v, want invalid supporter_ids", err)
		}
	})
	t.Run("ErrNoSuchList", func(t *testing.T) {
		if err := s.AddListMember(ctx, org.ID, l.ID+1000, fresh.ID); queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
		if _, err := s.ListMembers(ctx, org.ID, l.ID+1000, 0, 10); queue.ErrorCode(err) != queue.ENOTFOUND {
			t.Fatalf("members: got %v, want not found", err)
		}
	})
}

// TestListIsolation: another organisation cannot see or change a list or
// its members, nor put a supporter of the first on its own list (R1.1).
func TestListIsolation(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	ctx := context.Background()
	a, b := mustOrganisation(t, s, "a"), mustOrganisation(t, s, "b")
	ga, gb := mustGroup(t, s, a.ID, "North"), mustGroup(t, s, b.ID, "North")
	la, lb := mustList(t, s, a.ID, ga.ID, "Everyone"), mustList(t, s, b.ID, gb.ID, "Everyone")
	sa, sb := mustSupporter(t, s, a.ID, ga.ID, "+442079460000"), mustSupporter(t, s, b.ID, gb.ID, "+442079460000")
	if err := s.AddListMember(ctx, a.ID, la.ID, sa.ID); err != nil {
		t.Fatal(err)
	}
	la, _ = s.List(ctx, a.ID, la.ID)
	tests := []struct {
		name string
		do   func() error
	}{
		{"List", func() error { _, err := s.List(ctx, b.ID, la.ID); return err }},
		{"ListByName", func() error { _, err := s.ListByName(ctx, b.ID, ga.ID, "Everyone"); return err }},
		{"Lists", func() error { _, err := s.Lists(ctx, b.ID, ga.ID); return err }},
		{"CreateListInForeignGroup", func() error { _, err := s.CreateList(ctx, b.ID, ga.ID, "Mine now", 0); return err }},
		{"UpdateList", func() error { _, err := s.UpdateList(ctx, b.ID, la.ID, "Renamed", 0); return err }},
		{"DeleteList", func() error { return s.DeleteList(ctx, b.ID, la.ID) }},
		{"ListMembers", func() error { _, err := s.ListMembers(ctx, b.ID, la.ID, 0, 10); return err }},
		{"AddOwnSupporterToForeignList", func() error { return s.AddListMember(ctx, b.ID, la.ID, sb.ID) }},
		{"RemoveFromForeignList", func() error { return s.RemoveListMember(ctx, b.ID, la.ID, sa.ID) }},
		{"AddForeignSupporterToOwnList", func() error { return s.AddListMember(ctx, b.ID, lb.ID, sa.ID) }},
		{"AddForeignSupporterToForeignListAsOwner", func() error { return s.AddListMember(ctx, a.ID, la.ID, sb.ID) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); queue.ErrorCode(err) != queue.ENOTFOUND {
				t.Fatalf("got %v, want not found", err)
			}
		})
	}
	if got, err := s.List(ctx, a.ID, la.ID); err != nil || !reflect.DeepEqual(got, la) {
		t.Fatalf("A's list changed: %+v, %v", got, err)
	}
	if got := mustMemberIDs(t, s, a.ID, la.ID); !reflect.DeepEqual(got, []int64{sa.ID}) {
		t.Fatalf("A's members changed: %v", got)
	}
	if got := mustMemberIDs(t, s, b.ID, lb.ID); len(got) != 0 {
		t.Fatalf("B's list gained %v", got)
	}
}
