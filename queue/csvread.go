package queue

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// importReader parses and validates a CSV file row by row and hands the
// accepted rows on in batches, so a file of any length needs memory for a
// few batches plus a phone key per accepted row.
type importReader struct {
	csv   *csv.Reader
	limit *recordLimitReader
	cols  columnMap
	org   Organisation
	opts  ImportOptions
	seen  map[string]int // phone key -> line of the row that has it

	// Set by readBatches, final once it has closed its channel.
	rowsRead, blank    int
	rejected, warnings []RowProblem
	err                error // why the file is refused
}

// importRow is an accepted row.
type importRow struct {
	line int
	sp   Supporter
}

// values are the row's import_rows columns.
func (r importRow) values() []any {
	return []any{int32(r.line), r.sp.FirstName, r.sp.LastName, r.sp.Phone.Raw, nullable(r.sp.Phone.E164),
		r.sp.Phone.Key, r.sp.Email, r.sp.Tags, nullable(r.sp.TimezoneExplicit), r.sp.Timezone}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// newImportReader skips a byte order mark and reads the header.
func newImportReader(r io.Reader, org Organisation, opts ImportOptions) (*importReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, Internal("read CSV file", err)
	}
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		_, _ = br.Discard(len(utf8BOM))
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, FieldErrorf("file", "line 1: not UTF-8 (the file is UTF-16); save the file as UTF-8")
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 10000
	}
	rd := &importReader{
		limit: &recordLimitReader{r: br, line: 1, start: 1},
		org:   org,
		opts:  opts,
		seen:  make(map[string]int),
	}
	rd.csv = csv.NewReader(rd.limit)
	rd.csv.FieldsPerRecord = -1 // a short or long row is that row's problem, not the file's
	rd.csv.ReuseRecord = true

	header, err := rd.csv.Read()
	if errors.Is(err, io.EOF) {
		return nil, FieldErrorf("file", "is empty; the first line must name the columns, e.g. first_name,last_name,phone,email")
	}
	if err != nil {
		return nil, rd.fileError(err)
	}
	if err := rd.checkText(header); err != nil {
		return nil, err
	}
	if rd.cols, err = mapHeader(header); err != nil {
		return nil, err
	}
	return rd, nil
}

// readBatches sends the accepted rows to out in batches of importBatchRows
// and closes out at the end of the file, when the file turns out to be
// unreadable (rd.err says why), or when ctx ends.
func (rd *importReader) readBatches(ctx context.Context, out chan<- []importRow) {
	defer close(out)
	batch := make([]importRow, 0, importBatchRows)
	send := func() bool {
		select {
		case out <- batch:
			batch = make([]importRow, 0, importBatchRows)
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		rec, err := rd.csv.Read()
		if errors.Is(err, io.EOF) && rd.limit.err == nil {
			break
		}
		if err != nil {
			rd.err = rd.fileError(err)
			return
		}
		if err := rd.checkText(rec); err != nil {
			rd.err = err
			return
		}
		rd.rowsRead++
		if rd.opts.Progress != nil && rd.rowsRead%rd.opts.ProgressEvery == 0 {
			rd.opts.Progress(rd.rowsRead)
		}
		line, _ := rd.csv.FieldPos(0)
		if row, ok := rd.accept(line, rec); ok {
			batch = append(batch, row)
			if len(batch) == importBatchRows && !send() {
				return
			}
		}
	}
	if rd.opts.Progress != nil && rd.rowsRead%rd.opts.ProgressEvery != 0 {
		rd.opts.Progress(rd.rowsRead)
	}
	if len(batch) > 0 {
		send()
	}
}

// accept validates one row. A rejected or blank row is counted and gives
// false.
func (rd *importReader) accept(line int, rec []string) (importRow, bool) {
	if blank(rec) {
		rd.blank++
		return importRow{}, false
	}
	if len(rec) != rd.cols.width {
		rd.reject(line, "row", fmt.Sprintf("has %d cells but the header has %d", len(rec), rd.cols.width))
		return importRow{}, false
	}
	cell := func(i int) string {
		if i < 0 {
			return ""
		}
		return rec[i]
	}
	in := SupporterInput{
		FirstName: cell(rd.cols.firstName),
		LastName:  cell(rd.cols.lastName),
		Phone:     cell(rd.cols.phone),
		Email:     cell(rd.cols.email),
		Tags:      splitTags(cell(rd.cols.tags)),
		Timezone:  cell(rd.cols.timezone),
	}
	sp, err := in.Normalise(rd.org)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			rd.reject(line, e.Field, e.Message)
		} else {
			rd.reject(line, "row", err.Error())
		}
		return importRow{}, false
	}
	if first, dup := rd.seen[sp.Phone.Key]; dup {
		rd.reject(line, "phone", fmt.Sprintf("duplicate of line %d", first))
		return importRow{}, false
	}
	rd.seen[sp.Phone.Key] = line
	if !sp.Phone.Valid {
		rd.warnings = append(rd.warnings, RowProblem{Line: line, Field: "phone",
			Reason: fmt.Sprintf("%q is not a valid phone number; kept, but it will never be dialled", sp.Phone.Raw)})
	}
	return importRow{line: line, sp: sp}, true
}

func (rd *importReader) reject(line int, field, reason string) {
	rd.rejected = append(rd.rejected, RowProblem{Line: line, Field: field, Reason: reason})
}

// checkText refuses cells that are not UTF-8 text. The whole file goes: a
// file in another encoding has mangled every accented name, not one.
func (rd *importReader) checkText(rec []string) error {
	for i, f := range rec {
		if !utf8.ValidString(f) {
			line, _ := rd.csv.FieldPos(i)
			return FieldErrorf("file", "line %d: not UTF-8; save the file as UTF-8", line)
		}
		if strings.IndexByte(f, 0) >= 0 {
			line, _ := rd.csv.FieldPos(i)
			return FieldErrorf("file", "line %d: contains a NUL character (is the file UTF-16?); save the file as UTF-8", line)
		}
	}
	return nil
}

// fileError explains why the CSV reader gave up.
func (rd *importReader) fileError(err error) error {
	if rd.limit.err != nil {
		return rd.limit.err
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		hint := ""
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			hint = `; put a cell holding " in double quotes and write the quote twice ("")`
		case errors.Is(pe.Err, csv.ErrQuote):
			hint = `; a quoted cell must end with " and write any quote inside it twice ("")`
		}
		return FieldErrorf("file", "line %d: %v%s", pe.StartLine, pe.Err, hint)
	}
	return Internal("read CSV file", err)
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// splitTags reads a tags cell: "volunteer; donor" or "volunteer,donor".
func splitTags(cell string) []string {
	return strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == ';' })
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// recordLimitReader passes a CSV stream through while watching where
// records start, and fails once one record exceeds MaxImportLineBytes:
// encoding/csv would otherwise buffer a record of any length. A newline
// ends a record unless it is inside a quoted cell; with well-formed quoting
// (anything else the CSV reader refuses anyway) every '"' toggles quoting.
type recordLimitReader struct {
	r           io.Reader
	inQuote     bool
	recordBytes int
	line        int // line the next byte is on
	start       int // line the current record started on
	err         error
}

func (l *recordLimitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, b := range p[:n] {
		l.recordBytes++
		if l.recordBytes > MaxImportLineBytes {
			l.err = FieldErrorf("file", "line %d is longer than %d MiB; is this a CSV file?", l.start, MaxImportLineBytes>>20)
			return i, l.err
		}
		switch b {
		case '"':
			l.inQuote = !l.inQuote
		case '\n':
			l.line++
			if !l.inQuote {
				l.recordBytes, l.start = 0, l.line
			}
		}
	}
	return n, err
}
