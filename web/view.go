package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/supporterbase/callingsessions/queue"
)

//go:embed templates
var templateFiles embed.FS

// pages holds one template per file of templates/views, each parsed with
// the layout and the partials of templates/common; a page is named after
// its file ("profile_edit" for views/profile_edit.html).
var pages = mustParsePages()

func mustParsePages() map[string]*template.Template {
	common := template.Must(template.New("").Funcs(templateFuncs).ParseFS(templateFiles, "templates/common/*.html"))
	views, err := fs.Glob(templateFiles, "templates/views/*.html")
	if err != nil {
		panic(err)
	}
	parsed := make(map[string]*template.Template, len(views))
	for _, file := range views {
		name := strings.TrimSuffix(path.Base(file), ".html")
		parsed[name] = template.Must(template.Must(common.Clone()).ParseFS(templateFiles, file))
	}
	return parsed
}

var templateFuncs = template.FuncMap{
	"static":     staticURL,
	"fieldError": fieldError,
	"field":      newField,
	"plural":     plural,
}

// plural is the word for a count, for templates:
// {{.N}} {{plural .N "supporter" "supporters"}} ("1 supporter",
// "0 supporters", "2 supporters").
func plural(n any, one, many string) (string, error) {
	switch n := n.(type) {
	case int:
		if n == 1 {
			return one, nil
		}
	case int64:
		if n == 1 {
			return one, nil
		}
	case int32:
		if n == 1 {
			return one, nil
		}
	default:
		return "", fmt.Errorf("plural: %T is not a count", n)
	}
	return many, nil
}

// view is a page on its way to the browser (miniflux's view.New / Set /
// Render): every page goes through one, so each gets the layout, the user,
// the navigation, the CSRF token, the CSP nonce and the success alert the
// same way.
//
//	s.view(w, r, "profile_edit").Set("Form", f).Render()
//
// Render gives every template .Page, .Nonce, .CSRF and .User (nil for a
// visitor), and for a user .Flash and .Nav; RenderError adds .Error. A
// page's own values are Set under capitalised keys (.Form, .Timezones).
type view struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	page   string
	status int
	data   map[string]any
}

// view starts rendering page (a file of templates/views, without ".html").
func (s *Server) view(w http.ResponseWriter, r *http.Request, page string) *view {
	return &view{s: s, w: w, r: r, page: page, status: http.StatusOK, data: map[string]any{}}
}

// Set gives the page's template a value, as .Key.
func (v *view) Set(key string, value any) *view {
	v.data[key] = value
	return v
}

// formError is a form's error as pages show it: on its field when it has
// one (the field's name is the input's), above the form otherwise.
type formError struct {
	Field   string
	Message string
}

// fixable are the errors a user can put right on the same form.
var fixable = map[string]bool{
	queue.EINVALID: true, queue.ECONFLICT: true, queue.EUNAUTHORIZED: true, queue.ETHROTTLED: true,
}

// RenderError shows the page again with err on its form (R12: the field and
// the reason, the form refilled with what was sent; the caller Set it),
// under err's status, when err is the user's to put right. Any other error
// fails the request as Server.fail does.
func (v *view) RenderError(err error) {
	if !fixable[queue.ErrorCode(err)] {
		v.s.fail(v.w, v.r, err)
		return
	}
	setRetryAfter(v.w, err)
	field, message := errorParts(err)
	v.status = statusOf(err)
	v.Set("Error", &formError{Field: field, Message: sentence(field, message)})
	v.Render()
}

// Render writes the page. A template that fails answers 500, never half a
// page. Showing the success alert uses it up.
func (v *view) Render() {
	ws, loggedIn := webSessionFrom(v.r.Context())
	if loggedIn {
		v.data["Flash"] = ws.Flash
		v.data["Nav"] = v.s.navigation(v.r)
	}
	if !v.execute("layout") {
		return
	}
	if loggedIn && ws.Flash != "" {
		if err := v.s.store.ClearFlash(v.r.Context(), ws.ID, ws.Flash); err != nil {
			v.s.log.Warn("clear flash", "err", err) // shown twice at worst
		}
	}
}

// execute renders the page's template name with what every page gets
// (its name, the CSP nonce, the CSRF token, the user) and writes it, or
// answers the failure; it reports whether the page was written.
func (v *view) execute(name string) bool {
	tpl, ok := v.s.pages[v.page]
	if !ok {
		v.s.fail(v.w, v.r, queue.Internal("render", fmt.Errorf("no page %q", v.page)))
		return false
	}
	v.data["Page"] = v.page
	v.data["Nonce"] = nonceFrom(v.r.Context())
	v.data["CSRF"] = v.s.csrfToken(v.w, v.r)
	v.data["User"] = (*queue.User)(nil)
	if ws, loggedIn := webSessionFrom(v.r.Context()); loggedIn {
		v.data["User"] = &ws.User
	}
	var out bytes.Buffer
	if err := tpl.ExecuteTemplate(&out, name, v.data); err != nil {
		v.renderFailed(err)
		return false
	}
	h := v.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	v.w.WriteHeader(v.status)
	_, _ = v.w.Write(out.Bytes())
	return true
}

// renderFailed answers a page whose template failed; the error page's own
// failure is answered in plain text, not by rendering it again.
func (v *view) renderFailed(err error) {
	err = queue.Internal("render "+v.page, err)
	if v.page != "error" {
		v.s.fail(v.w, v.r, err)
		return
	}
	v.s.log.Error("render error page", "path", v.r.URL.Path, "err", err)
	http.Error(v.w, "Internal error.", http.StatusInternalServerError)
}

// fieldError returns err's message when it is about field, for the
// template to show beside that input: {{with fieldError .Error "mobile"}}.
func fieldError(err *formError, field string) string {
	if err == nil || err.Field != field {
		return ""
	}
	return err.Message
}

// inputField is what the "input" partial of templates/common/form.html
// draws: a labelled input with its hint and its error.
type inputField struct {
	Name, Label, Type, Value, Autocomplete, Hint, Error string
	Required                                            bool
}

// DescribedBy lists the ids of the texts that describe the input: its hint
// and its error.
func (f inputField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.Name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

// newField builds an inputField from pairs, for templates:
//
//	{{template "input" field "name" "mobile" "label" "Mobile number" "type" "tel"
//	  "value" .Form.Mobile "error" .Error}}
//
// "type" defaults to text; "required" takes any value; "error" takes the
// page's *formError and keeps its message if it is about this field.
func newField(pairs ...any) (inputField, error) {
	f := inputField{Type: "text"}
	if len(pairs)%2 != 0 {
		return f, fmt.Errorf("field: %d arguments, want name-value pairs", len(pairs))
	}
	var formErr *formError
	for i := 0; i < len(pairs); i += 2 {
		key, _ := pairs[i].(string)
		if key == "error" {
			formErr, _ = pairs[i+1].(*formError) // nil when the page has no error
			continue
		}
		value := fmt.Sprint(pairs[i+1])
		switch key {
		case "name":
			f.Name = value
		case "label":
			f.Label = value
		case "type":
			f.Type = value
		case "value":
			f.Value = value
		case "autocomplete":
			f.Autocomplete = value
		case "hint":
			f.Hint = value
		case "required":
			f.Required = true
		default:
			return f, fmt.Errorf("field: unknown key %v", pairs[i])
		}
	}
	if f.Name == "" || f.Label == "" {
		return f, fmt.Errorf("field: every input needs a name and a label")
	}
	f.Error = fieldError(formErr, f.Name)
	return f, nil
}
