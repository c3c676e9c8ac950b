package web

import (
	"errors"
	"net/http"

	"github.com/supporterbase/callingsessions/queue"
)

// listImportShow shows the list's CSV import form, with the columns a file
// may have (R1.5). Only for those who manage the list's members.
func (s *Server) listImportShow(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.listImportView(w, r, lp).Render()
}

func (s *Server) listImportView(w http.ResponseWriter, r *http.Request, lp listPage) *view {
	return s.view(w, r, "list_import").Set("L", lp).Set("Columns", queue.ImportColumns()).
		Set("MaxMB", maxBodyBytes>>20)
}

// listImport imports the uploaded CSV into the list's group and the list
// (queue.Import: all or nothing, idempotent, UTF-8 with or without BOM) and
// shows its report: what was added or updated, and each rejected row with
// its reason. The report is the answer itself, not a redirect: it is
// shown once, and sending the file again changes nothing more. A file that
// cannot be read as a whole is shown on the form, and nothing is written.
func (s *Server) listImport(w http.ResponseWriter, r *http.Request) {
	lp, err := s.loadList(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	report, err := s.importFile(r, lp)
	if err != nil {
		s.listImportView(w, r, lp).RenderError(err)
		return
	}
	s.listImportView(w, r, lp).Set("Report", report).Render()
}

// importFile runs the import of the request's "file" part. Errors about
// the file are EINVALID on the field "file", where the form shows them.
func (s *Server) importFile(r *http.Request, lp listPage) (queue.ImportReport, error) {
	file, _, err := r.FormFile("file")
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return queue.ImportReport{}, queue.FieldErrorf("file", "is larger than %d MB: split it", maxBodyBytes>>20)
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		return queue.ImportReport{}, queue.FieldErrorf("file", "choose a CSV file to import")
	case err != nil:
		return queue.ImportReport{}, queue.FieldErrorf("file", "could not be read: send it again")
	}
	defer file.Close()
	report, err := s.store.Import(r.Context(), lp.List.OrganisationID, lp.List.GroupID, lp.List.Name, file, queue.ImportOptions{})
	var e *queue.Error
	if errors.As(err, &e) && e.Code == queue.EINVALID && e.Field == "header" {
		// The header is a part of the file: shown beside the file's box.
		err = &queue.Error{Code: e.Code, Field: "file", Message: "header: " + e.Message}
	}
	return report, err
}
