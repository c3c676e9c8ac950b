package form

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

// SupporterFilter is the View all supporters sheet's filter (R3.5), read
// from the query string of the page and of GET
// /api/v1/sessions/{id}/supporters: status (available, skipped,
// unavailable, completed; "all" or none for every status), search, page
// size and the cursor of the page.
type SupporterFilter struct {
	Status   string
	Search   string
	PageSize string
	After    string
}

// NewSupporterFilter reads the filter from the request's query string.
func NewSupporterFilter(r *http.Request) SupporterFilter {
	q := r.URL.Query()
	f := SupporterFilter{
		Status:   strings.TrimSpace(q.Get("status")),
		Search:   strings.TrimSpace(q.Get("search")),
		PageSize: strings.TrimSpace(q.Get("page_size")),
		After:    strings.TrimSpace(q.Get("after")),
	}
	if f.Status == "all" {
		f.Status = ""
	}
	return f
}

// Query is the page of the sheet the filter asks for. EINVALID (field
// "page_size") for a page size that is not a number from 1; the queue
// checks the rest.
func (f SupporterFilter) Query() (queue.SupporterQuery, error) {
	q := queue.SupporterQuery{Status: queue.SupporterStatus(f.Status), Search: f.Search, After: f.After}
	if f.PageSize != "" {
		n, err := strconv.Atoi(f.PageSize)
		if err != nil || n < 1 {
			return q, queue.FieldErrorf("page_size", "must be a number between 1 and %d", queue.MaxSupportersPageSize)
		}
		q.PageSize = n
	}
	return q, nil
}

// Values is the filter as a query string, without the cursor: the first
// page of the same filter. With after, the page after that cursor.
func (f SupporterFilter) Values(after string) url.Values {
	v := url.Values{}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	if f.Search != "" {
		v.Set("search", f.Search)
	}
	if f.PageSize != "" {
		v.Set("page_size", f.PageSize)
	}
	if after != "" {
		v.Set("after", after)
	}
	return v
}
