package live

import (
	"fmt"
	"testing"
	"time"
)

func TestClientQueue(t *testing.T) {
	t.Parallel()
	change := func(seq uint64, session int64, kind string) event {
		return event{seq: seq, org: 1, session: session, kind: kind}
	}
	resync := func(seq uint64) event { return event{seq: seq, kind: kindResync} }
	tests := []struct {
		name    string
		offered []event
		offline bool // the hub stops listening after the offers
		want    string
	}{
		{"in order", []event{change(1, 1, "queue"), change(2, 2, "queue")},
			false, "changes [1/1/queue 2/2/queue]"},
		{"the same session and kind collapse, at the newest place",
			[]event{change(1, 1, "queue"), change(2, 2, "call"), change(3, 1, "queue")},
			false, "changes [2/2/call 3/1/queue]"},
		{"another kind is another change", []event{change(1, 1, "queue"), change(2, 1, "call")},
			false, "changes [1/1/queue 2/1/call]"},
		{"past the limit: a resync", []event{change(1, 1, "q"), change(2, 2, "q"), change(3, 3, "q"), change(4, 4, "q")},
			false, "resync 4 changes []"},
		{"a resync absorbs later changes", []event{change(1, 1, "q"), resync(2), change(3, 2, "q")},
			false, "resync 3 changes []"},
		{"other organisations are not offered", []event{{seq: 1, org: 2, session: 1, kind: "q"}},
			false, "changes []"},
		{"unwatched sessions are not offered", []event{change(1, 9, "q")},
			false, "changes []"},
		{"offline after a resync is told after it", []event{resync(1), change(2, 1, "q")},
			true, "resync 2 changes [] offline"},
		{"offline alone", nil, true, "changes [] offline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(1, Sessions(1, 2, 3, 4), 3)
			for _, ev := range tt.offered {
				c.offer(ev)
			}
			if tt.offline {
				c.goOffline()
			}
			var w waiting
			c.take(&w)
			if got := describe(w); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			c.take(&w)
			if got := describe(w); got != "changes []" {
				t.Errorf("a second take got %q, want nothing", got)
			}
		})
	}
}

func TestClientResyncClearsOffline(t *testing.T) {
	t.Parallel()
	c := newClient(1, nil, 3)
	c.goOffline()
	c.offer(event{seq: 5, kind: kindResync})
	var w waiting
	c.take(&w)
	if got := describe(w); got != "resync 5 changes []" {
		t.Errorf("got %q: back online, a page must not show offline", got)
	}
}

func describe(w waiting) string {
	s := ""
	if w.resync {
		s = fmt.Sprintf("resync %d ", w.resyncAt)
	}
	changes := []string{}
	for _, ev := range w.changes {
		changes = append(changes, fmt.Sprintf("%d/%d/%s", ev.seq, ev.session, ev.kind))
	}
	s += fmt.Sprintf("changes %v", changes)
	if w.offline {
		s += " offline"
	}
	return s
}

func TestSessionsFilter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		watch Filter
		yes   []int64
		no    []int64
	}{
		{Sessions(12), []int64{12}, []int64{0, 11, 13}},
		{Sessions(3, 5, 8), []int64{3, 5, 8}, []int64{4, 12}},
		{Sessions(), nil, []int64{0, 1}},
		{AllSessions, []int64{1, 99}, nil},
	}
	for i, tt := range tests {
		for _, id := range tt.yes {
			if !tt.watch(id) {
				t.Errorf("filter %d refuses session %d", i, id)
			}
		}
		for _, id := range tt.no {
			if tt.watch(id) {
				t.Errorf("filter %d watches session %d", i, id)
			}
		}
	}
}

func TestRingSince(t *testing.T) {
	t.Parallel()
	r := newRing(3)
	if ok := r.since(0, func(ev event) { t.Errorf("empty ring replays %+v", ev) }); !ok {
		t.Fatal("an empty ring cannot replay from 0")
	}
	for seq := uint64(1); seq <= 5; seq++ {
		r.add(event{seq: seq})
	}
	tests := []struct {
		after uint64
		want  string // seqs, or "gone"
	}{
		{5, "[]"}, {4, "[5]"}, {3, "[4 5]"}, {2, "[3 4 5]"}, {1, "gone"}, {0, "gone"},
	}
	for _, tt := range tests {
		seqs := []uint64{}
		got := "gone"
		if r.since(tt.after, func(ev event) { seqs = append(seqs, ev.seq) }) {
			got = fmt.Sprint(seqs)
		}
		if got != tt.want {
			t.Errorf("since %d: got %s, want %s", tt.after, got, tt.want)
		}
	}
}

func TestJitterStaysBetweenHalfAndWhole(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{time.Millisecond, 250 * time.Millisecond, 15 * time.Second} {
		for range 1000 {
			if j := jitter(d); j < d/2 || j > d {
				t.Fatalf("jitter(%v) = %v", d, j)
			}
		}
	}
}
