package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// send is a REST call ari/v5 v5.3.1 cannot make (a channel created with
// variables, the event filter): body as JSON to path under ARI's root,
// through the same bounded http.Client, timed under op. Any status but
// want is a RESTError (404 satisfies ErrNotFound).
func (c *Client) send(ctx context.Context, method, op, id, path string, body any, want int) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("ari: %s %s: %w", op, id, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.URL+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("ari: %s %s: %w", op, id, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	start := time.Now()
	resp, err := c.http.Do(req)
	c.metrics.observeREST(method, op, start)
	if err != nil {
		return &RESTError{Op: op, ID: id, Err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is reused
	if resp.StatusCode != want {
		return &RESTError{Op: op, ID: id, Status: resp.StatusCode, notFound: resp.StatusCode == http.StatusNotFound}
	}
	return nil
}
