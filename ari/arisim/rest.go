package arisim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// routes registers the ARI subset and the control API. Each ARI handler
// runs with the lock held and returns a reply; rest() does the parsing,
// transcript and FailNext around it.
func (s *Sim) routes() {
	m := http.NewServeMux()
	ari := func(pattern string, h func(*request) reply) {
		method, path, _ := strings.Cut(pattern, " ")
		m.HandleFunc(method+" /ari"+path, s.rest(h))
	}
	ari("GET /asterisk/info", s.asteriskInfo)
	ari("GET /applications", s.listApplications)
	ari("GET /applications/{app}", s.getApplication)
	ari("PUT /applications/{app}/eventFilter", s.setEventFilter)

	ari("GET /channels", s.listChannels)
	ari("POST /channels", s.originate)
	ari("POST /channels/create", s.createChannel)
	ari("GET /channels/{id}", s.getChannel)
	ari("POST /channels/{id}", s.originate)
	ari("DELETE /channels/{id}", s.hangupChannel)
	ari("POST /channels/{id}/dial", s.dialChannel)
	ari("POST /channels/{id}/answer", s.answerChannel)
	ari("POST /channels/{id}/ring", s.ringChannel)
	ari("DELETE /channels/{id}/ring", s.ringChannel)
	ari("POST /channels/{id}/play", s.playChannel)
	ari("POST /channels/{id}/play/{playback}", s.playChannel)
	ari("GET /channels/{id}/variable", s.getVariable)
	ari("POST /channels/{id}/variable", s.setVariable)

	ari("GET /bridges", s.listBridges)
	ari("POST /bridges", s.createBridge)
	ari("POST /bridges/{bridge}", s.createBridge)
	ari("GET /bridges/{bridge}", s.getBridge)
	ari("DELETE /bridges/{bridge}", s.destroyBridge)
	ari("POST /bridges/{bridge}/addChannel", s.addChannel)
	ari("POST /bridges/{bridge}/removeChannel", s.removeChannel)

	ari("GET /playbacks/{playback}", s.getPlayback)
	ari("DELETE /playbacks/{playback}", s.stopPlayback)

	m.HandleFunc("/ari/", s.rest(func(*request) reply {
		return errorReply(http.StatusNotFound, "Resource not found")
	}))
	m.HandleFunc("GET /ari/events", s.serveEvents)
	s.controlRoutes(m)
	s.mux = m
}

// ServeHTTP serves the ARI subset under /ari (basic auth), the events
// websocket at /ari/events, and the control API under /sim (no auth).
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/ari/") && !s.authorised(r) {
		// Asterisk's answer to a missing or wrong password.
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Authentication required"})
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Sim) authorised(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		// ARI also takes the credentials as api_key=user:pass.
		user, pass, ok = strings.Cut(r.URL.Query().Get("api_key"), ":")
	}
	return ok &&
		subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.Username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.Password)) == 1
}

// request is a parsed ARI call. Asterisk takes every parameter either in
// the query string or as a field of a JSON body (ari/v5 sends bodies, the
// recordings use query strings), so both land in params.
type request struct {
	r      *http.Request
	params map[string]string
	vars   map[string]string // the body's "variables" object
	body   []byte
}

func (q *request) param(name string) string { return q.params[name] }
func (q *request) path(name string) string  { return q.r.PathValue(name) }

// intParam parses an integer parameter; ok is false when it is present but
// not a number.
func (q *request) intParam(name string, def int) (int, bool) {
	v, present := q.params[name]
	if !present || v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false
	}
	return n, true
}

// reply is what an ARI handler answers; a nil body means no body (204).
type reply struct {
	status int
	body   any
}

func errorReply(status int, message string) reply {
	return reply{status: status, body: errorJSON{Message: message}}
}

var noContent = reply{status: http.StatusNoContent}

func (s *Sim) rest(h func(*request) reply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorJSON{Message: "Error reading request body"})
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/ari")
		logged := path
		if r.URL.RawQuery != "" {
			logged += "?" + r.URL.RawQuery
		}
		e := Entry{Kind: "request", Method: r.Method, Path: logged}
		if json.Valid(body) {
			e.Body = json.RawMessage(body)
		}
		s.record(e)

		rep := s.handle(h, r, path, body)
		var out []byte
		if rep.body != nil {
			if raw, ok := rep.body.(json.RawMessage); ok {
				out = raw
			} else {
				out, _ = json.Marshal(rep.body)
			}
		}
		resp := Entry{Kind: "response", Method: r.Method, Path: logged, Status: rep.status}
		if json.Valid(out) {
			resp.Body = out
		} else if len(out) > 0 {
			resp.Text = string(out)
		}
		s.record(resp)
		if out != nil {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write(out)
	}
}

func (s *Sim) handle(h func(*request) reply, r *http.Request, path string, body []byte) reply {
	q := &request{r: r, params: map[string]string{}, body: body}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			q.params[k] = strings.Join(v, ",")
		}
	}
	if err := q.parseBody(); err != nil {
		return errorReply(http.StatusBadRequest, "Error parsing request body")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errorReply(http.StatusServiceUnavailable, "Asterisk is shutting down")
	}
	if f, ok := s.takeFailure(r.Method, path); ok {
		if f.body == "" {
			return errorReply(f.status, http.StatusText(f.status))
		}
		return reply{status: f.status, body: json.RawMessage(f.body)}
	}
	return h(q)
}

// parseBody adds the scalar fields of a JSON object body to params (the
// query string wins) and keeps its "variables" object.
func (q *request) parseBody() error {
	b := bytes.TrimSpace(q.body)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	if b[0] != '{' {
		if json.Valid(b) {
			return nil // a JSON value that is not an object carries no params
		}
		return errBadBody
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	for k, raw := range fields {
		if k == "variables" {
			var vars map[string]string
			if err := json.Unmarshal(raw, &vars); err == nil {
				q.vars = vars
			}
			continue
		}
		if _, inQuery := q.params[k]; inQuery {
			continue
		}
		var str string
		if json.Unmarshal(raw, &str) == nil {
			q.params[k] = str
			continue
		}
		switch t := bytes.TrimSpace(raw); {
		case len(t) == 0, t[0] == '{', t[0] == '[', bytes.Equal(t, []byte("null")):
			// objects and lists are read by the handler that needs them
		default:
			q.params[k] = string(t) // numbers and booleans
		}
	}
	return nil
}

var errBadBody = errors.New("arisim: request body is not JSON")

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
