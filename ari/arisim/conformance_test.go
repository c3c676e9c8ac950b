package arisim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// transcriptsDir holds the recordings of a real Asterisk 22.
const transcriptsDir = "testdata/transcripts"

// recordedEndpoints are the PJSIP endpoints the recorder's Asterisk had.
var recordedEndpoints = []string{"answer", "answerpai", "busy", "congestion", "notfound", "noanswer", "hangup", "dtmf"}

type recLine struct {
	TMS    int64           `json:"t_ms"`
	Kind   string          `json:"kind"`
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
	Text   string          `json:"text"`
}

// TestTranscripts replays every recorded flow against the simulator, with
// a fake clock moved to each request's recorded time, and compares what
// came back: REST statuses and reply shapes, and per channel (or bridge)
// the events' names, order, key values and JSON fields. Ids, times and
// free-text values aside. Two tolerances, both documented by the
// recordings' README: Dial events are compared among themselves, apart
// from the other events of their channel (Asterisk interleaves Dial and
// ChannelStateChange either way), and a ChannelVarset that sets a
// variable to the value it already had is ignored (Asterisk repeats
// BRIDGEPEER a varying number of times).
func TestTranscripts(t *testing.T) {
	t.Parallel()
	var index []struct{ Flow, About string }
	raw, err := os.ReadFile(filepath.Join(transcriptsDir, "index.json"))
	if err != nil {
		t.Fatalf("the recordings are part of the repository's shared data: %v", err)
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(transcriptsDir, "*.jsonl"))
	if len(files) != len(index) || len(index) == 0 {
		t.Fatalf("index.json lists %d flows, %d recordings on disk", len(index), len(files))
	}
	for _, f := range index {
		t.Run(f.Flow, func(t *testing.T) {
			t.Parallel()
			replay(t, f.Flow)
		})
	}
}

func loadRecording(t *testing.T, flow string) []recLine {
	t.Helper()
	f, err := os.Open(filepath.Join(transcriptsDir, flow+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []recLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l recLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", flow, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// exchange is one REST call and its answer.
type exchange struct {
	method, path string
	status       int
	body         json.RawMessage
}

func replay(t *testing.T, flow string) {
	lines := loadRecording(t, flow)
	cfg := Config{Endpoints: recordedEndpoints, ToneZones: []string{"us"}}
	switch flow {
	case "create-dial-race", "create-setvar-race":
		// The recorder sent its request 3 ms after the first create (the
		// channel was in Stasis) and 1 ms after the second (it was not).
		cfg.StasisDelay = 2 * time.Millisecond
	case "ringback-without-indications":
		cfg.ToneZones = nil
	}
	s, clock := startSim(t, cfg)
	st := listen(t, s, testApp)
	streams := []*stream{st}
	// settle waits until the websockets, old and new, received every
	// event the simulator sent.
	settle := func() {
		waitUntil(t, "events delivered", func() bool {
			n := 0
			for _, x := range streams {
				n += x.count()
			}
			return n >= sentEvents(s)
		})
	}

	ids := map[string]string{} // recorded id → simulator id
	var recEx, simEx []exchange
	var recEvents []map[string]any
	used := map[int]bool{}
	now := int64(0)
	advance := func(to int64) {
		if to > now {
			clock.Advance(time.Duration(to-now) * time.Millisecond)
			now = to
		}
	}
	lastRequest := 0
	for i, l := range lines {
		if l.Kind == "request" {
			lastRequest = i
		}
	}
	for i, l := range lines {
		switch l.Kind {
		case "event":
			var ev map[string]any
			if err := json.Unmarshal(l.Body, &ev); err != nil {
				t.Fatal(err)
			}
			recEvents = append(recEvents, ev)
		case "note":
			if strings.HasPrefix(l.Text, "websocket closed") && i < lastRequest {
				settle()
				st.close()
				waitUntil(t, "websocket gone", func() bool { return s.connCount(testApp) == 0 })
				st = listen(t, s, testApp)
				streams = append(streams, st)
			}
		case "request":
			advance(l.TMS)
			j := matchResponse(lines, i, used)
			if j < 0 {
				t.Fatalf("line %d: no recorded response for %s %s", i+1, l.Method, l.Path)
			}
			used[j] = true
			recEx = append(recEx, exchange{l.Method, l.Path, lines[j].Status, lines[j].Body})
			path := mapIDs(l.Path, ids)
			status, out := send(t, s, l.Method, path, l.Body)
			simEx = append(simEx, exchange{l.Method, path, status, out})
			learnIDs(lines[j].Body, out, ids)
		}
	}
	advance(lines[len(lines)-1].TMS)
	settle()

	compareExchanges(t, recEx, simEx)
	var simEvents []map[string]any
	for _, x := range streams {
		simEvents = append(simEvents, x.events(t)...)
	}
	compareEvents(t, recEvents, simEvents, ids)
}

// matchResponse finds the first unused response to the request at i.
func matchResponse(lines []recLine, i int, used map[int]bool) int {
	for j := i + 1; j < len(lines); j++ {
		if lines[j].Kind == "response" && !used[j] &&
			lines[j].Method == lines[i].Method && lines[j].Path == lines[i].Path {
			return j
		}
	}
	return -1
}

// mapIDs rewrites recorded ids in a path to the simulator's, in one pass
// so that no replacement is replaced again.
func mapIDs(path string, ids map[string]string) string {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, k, ids[k])
	}
	return strings.NewReplacer(pairs...).Replace(path)
}

// learnIDs maps the id of a recorded reply (channel, bridge, playback) to
// the id of the simulator's.
func learnIDs(rec, sim json.RawMessage, ids map[string]string) {
	var r, m struct{ ID string }
	if json.Unmarshal(rec, &r) == nil && json.Unmarshal(sim, &m) == nil && r.ID != "" && m.ID != "" {
		ids[r.ID] = m.ID
	}
}

func send(t *testing.T, s *Sim, method, path string, body json.RawMessage) (int, json.RawMessage) {
	t.Helper()
	var rd *bytes.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(testUser, testPass)
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	status, out := do(t, req)
	return status, bytes.TrimSpace(out)
}

func compareExchanges(t *testing.T, rec, sim []exchange) {
	t.Helper()
	for i := range rec {
		r, m := rec[i], sim[i]
		where := fmt.Sprintf("%s %s", r.method, r.path)
		if r.status != m.status {
			t.Errorf("%s: status %d, recorded %d (%s)", where, m.status, r.status, m.body)
			continue
		}
		if len(r.body) == 0 {
			if len(m.body) != 0 {
				t.Errorf("%s: body %s, recorded none", where, m.body)
			}
			continue
		}
		var rv, mv any
		if err := json.Unmarshal(r.body, &rv); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(m.body, &mv); err != nil {
			t.Errorf("%s: body %q is not JSON: %v", where, m.body, err)
			continue
		}
		if rs, ms := shape(rv), shape(mv); !slices.Equal(rs, ms) {
			t.Errorf("%s: reply fields\n got %v\nwant %v", where, ms, rs)
		}
		if rm, ok := rv.(map[string]any); ok {
			for _, k := range []string{"message", "error", "state", "bridge_type", "technology", "media_uri"} {
				if want, ok := rm[k]; ok && mv.(map[string]any)[k] != want {
					t.Errorf("%s: %s %v, recorded %v", where, k, mv.(map[string]any)[k], want)
				}
			}
		}
	}
}

// shape lists the paths of every field in a JSON value ("channel.caller.name",
// "bridge.channels[]"), sorted: what "fields present" means.
func shape(v any) []string {
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				out = append(out, p)
				walk(p, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", v)
	sort.Strings(out)
	return slices.Compact(out)
}

// TestTranscriptsCopyIsCurrent: the repository's copy of the recordings is
// the shared reference's, when the reference is next to the repository.
func TestTranscriptsCopyIsCurrent(t *testing.T) {
	t.Parallel()
	const shared = "../../../shared/asterisk-ari/transcripts"
	files, err := os.ReadDir(shared)
	if err != nil {
		t.Logf("no shared reference at %s to compare with (%v); the copy stands", shared, err)
		return
	}
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(shared, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(transcriptsDir, f.Name()))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("testdata/transcripts/%s differs from the shared reference (%v): copy it again", f.Name(), err)
		}
	}
}
