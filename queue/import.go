package queue

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// MaxImportLineBytes bounds one CSV record. Nothing a person writes about a
// supporter comes near it; a longer line means the file is not the CSV it
// claims to be, and refusing it keeps the importer's memory bounded.
const MaxImportLineBytes = 1 << 20

// ImportOptions tunes an import.
type ImportOptions struct {
	// Progress, when set, is called with the number of rows read so far
	// every ProgressEvery rows and at the end of the file.
	// It runs on a goroutine of its own, never concurrently with itself.
	Progress      func(rowsRead int)
	ProgressEvery int // default 10,000
}

// ImportReport says what an import did, row by row where it matters (R1.5).
type ImportReport struct {
	RowsRead  int // rows after the header, blank ones included
	Blank     int // rows with every cell empty, skipped
	Inserted  int // new supporters
	Updated   int // supporters already in the group whose details changed
	Unchanged int // supporters already in the group exactly as the file gives them
	// Rejected rows were not imported; the rest of the file was.
	Rejected []RowProblem
	// Warnings are about rows that were imported: invalid numbers are kept
	// but never dialled (R1.3, R7.5).
	Warnings []RowProblem

	ListID       int64  // 0 when no list was named
	ListName     string // as stored
	ListCreated  bool   // the import created the list
	MembersAdded int    // supporters who joined the list (or rejoined it after removal)
}

// Imported is the number of rows that now match a supporter of the group.
func (r ImportReport) Imported() int { return r.Inserted + r.Updated + r.Unchanged }

// RowProblem is why one line of a file was rejected or flagged.
type RowProblem struct {
	Line   int    // line of the file where the row starts, the header being line 1
	Field  string // column at fault ("phone"), or "row"
	Reason string
}

func (p RowProblem) String() string { return fmt.Sprintf("line %d: %s: %s", p.Line, p.Field, p.Reason) }

// Import reads a CSV file of supporters into a group of the organisation,
// and when listName is not empty into that call list of the group, created
// if missing (R1.4, R1.5).
//
// The first line names the columns (see ImportColumns). The phone number is
// the natural key within the group: a supporter already there is updated
// from the file, or left untouched when nothing differs, so importing a file
// twice changes nothing the second time. Columns the file does not have keep
// their stored values. Rows that fail validation, and later rows repeating
// an earlier row's number, are rejected and listed in the report; the rest
// land together in one transaction. A file that cannot be read as a whole
// (no header, unknown columns, not UTF-8, no rows, a line over
// MaxImportLineBytes) is refused with an EINVALID error naming the field
// "file" or "header", and nothing is written.
//
// Returns ENOTFOUND if the organisation or the group (in that organisation)
// does not exist, and EINVALID for a bad list name.
func (s *Store) Import(ctx context.Context, orgID, groupID int64, listName string, r io.Reader, opts ImportOptions) (ImportReport, error) {
	org, err := s.Organisation(ctx, orgID)
	if err != nil {
		return ImportReport{}, err
	}
	var ok bool
	err = s.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM supporter_groups WHERE id = $1 AND organisation_id = $2)`,
		groupID, orgID).Scan(&ok)
	if err != nil {
		return ImportReport{}, Internal("find group", err)
	}
	if !ok {
		return ImportReport{}, Errorf(ENOTFOUND, "group not found")
	}
	listName = strings.TrimSpace(listName)
	if utf8.RuneCountInString(listName) > MaxListNameLen {
		return ImportReport{}, FieldErrorf("list", "must be 1-%d characters", MaxListNameLen)
	}
	rd, err := newImportReader(r, org, opts)
	if err != nil {
		return ImportReport{}, err
	}
	im := importer{orgID: orgID, groupID: groupID, cols: rd.cols, now: s.clock.Now()}
	im.report.ListName = listName
	err = s.inTx(ctx, "import supporters", func(tx pgx.Tx) error {
		im.tx = tx
		return im.run(ctx, rd)
	})
	if err != nil {
		return ImportReport{}, err
	}
	return im.report, nil
}

// importBatchRows is how many accepted rows go to the database at a time.
// Batches let PostgreSQL write one batch while the next is parsed: checking
// phone numbers costs about as much CPU as storing them.
const importBatchRows = 5000

// importer writes the batches of one file in one transaction.
type importer struct {
	tx             pgx.Tx
	orgID, groupID int64
	cols           columnMap
	now            time.Time
	report         ImportReport
}

func (im *importer) run(ctx context.Context, rd *importReader) error {
	if _, err := im.tx.Exec(ctx, createImportRows); err != nil {
		return err
	}
	if im.report.ListName != "" {
		err := im.tx.QueryRow(ctx, findOrCreateList, im.orgID, im.groupID, im.report.ListName, im.now).
			Scan(&im.report.ListID, &im.report.ListCreated)
		if err != nil {
			return err
		}
	}
	readCtx, stop := context.WithCancel(ctx)
	batches := make(chan []importRow, 1)
	go rd.readBatches(readCtx, batches)
	defer func() {
		stop()
		for range batches { // wait for the reader, so it never outlives Import
		}
	}()
	for batch := range batches {
		if err := im.write(ctx, batch); err != nil {
			return err
		}
	}
	// The reader closed the channel: what it found is final.
	if rd.err != nil {
		return rd.err
	}
	if rd.rowsRead == rd.blank {
		return FieldErrorf("file", "has a header but no rows of supporters")
	}
	im.report.RowsRead, im.report.Blank = rd.rowsRead, rd.blank
	im.report.Rejected, im.report.Warnings = rd.rejected, rd.warnings
	return nil
}

// write stores one batch: supporters first, then their list membership.
func (im *importer) write(ctx context.Context, batch []importRow) error {
	_, err := im.tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, importRowColumns,
		pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) { return batch[i].values(), nil }))
	if err != nil {
		return err
	}
	var inserted, updated int
	err = im.tx.QueryRow(ctx, upsertImportedSupporters, im.orgID, im.groupID,
		im.cols.has(im.cols.firstName), im.cols.has(im.cols.lastName), im.cols.has(im.cols.email),
		im.cols.has(im.cols.tags), im.cols.has(im.cols.timezone), im.now).Scan(&inserted, &updated)
	if err != nil {
		return err
	}
	im.report.Inserted += inserted
	im.report.Updated += updated
	im.report.Unchanged += len(batch) - inserted - updated
	if im.report.ListID != 0 {
		tag, err := im.tx.Exec(ctx, addImportedToList, im.groupID, im.report.ListID, im.now)
		if err != nil {
			return err
		}
		im.report.MembersAdded += int(tag.RowsAffected())
	}
	_, err = im.tx.Exec(ctx, `TRUNCATE import_rows`)
	return err
}

// import_rows holds one batch of accepted rows, normalised, for the
// set-based statements below. It lives as long as the import's transaction.
const createImportRows = `
	CREATE TEMPORARY TABLE import_rows (
		line              integer NOT NULL,
		first_name        text NOT NULL,
		last_name         text NOT NULL,
		phone_raw         text NOT NULL,
		phone             text,
		phone_key         text NOT NULL,
		email             text NOT NULL,
		tags              text[] NOT NULL,
		timezone_explicit text,
		timezone          text NOT NULL
	) ON COMMIT DROP`

var importRowColumns = []string{"line", "first_name", "last_name", "phone_raw", "phone", "phone_key",
	"email", "tags", "timezone_explicit", "timezone"}

// upsertImportedSupporters inserts new supporters in file order and updates
// existing ones only where something differs, so a re-import leaves
// updated_at alone (R1.5). $3-$7 say whether the file has the first name,
// last name, email, tags and timezone columns: a missing column keeps what
// is stored. A timezone the file does not give is re-derived unless one was
// given explicitly before. xmax is 0 only in rows this statement inserted.
//
// The lookups of existing rows here and below are LATERAL … LIMIT 1 (a
// phone key matches one row at most anyway) so that each is one probe of a
// unique index: mid-import the planner's statistics still describe the
// group before the import, and would otherwise have it hash the whole group
// once per batch.
const upsertImportedSupporters = `
	WITH upserted AS (
		INSERT INTO supporters AS s (organisation_id, group_id, first_name, last_name, phone_raw, phone,
			phone_key, email, tags, timezone_explicit, timezone, created_at, updated_at)
		SELECT $1, $2,
			CASE WHEN $3 OR old.id IS NULL THEN r.first_name ELSE old.first_name END,
			CASE WHEN $4 OR old.id IS NULL THEN r.last_name ELSE old.last_name END,
			r.phone_raw, r.phone, r.phone_key,
			CASE WHEN $5 OR old.id IS NULL THEN r.email ELSE old.email END,
			CASE WHEN $6 OR old.id IS NULL THEN r.tags ELSE old.tags END,
			CASE WHEN $7 OR old.id IS NULL THEN r.timezone_explicit ELSE old.timezone_explicit END,
			CASE WHEN $7 OR old.id IS NULL OR old.timezone_explicit IS NULL THEN r.timezone ELSE old.timezone END,
			$8, $8
		FROM import_rows r
		LEFT JOIN LATERAL (
			SELECT * FROM supporters old WHERE old.group_id = $2 AND old.phone_key = r.phone_key LIMIT 1
		) old ON true
		ORDER BY r.line
		ON CONFLICT (group_id, phone_key) DO UPDATE SET
			first_name = excluded.first_name, last_name = excluded.last_name,
			phone_raw = excluded.phone_raw, phone = excluded.phone, email = excluded.email,
			tags = excluded.tags, timezone_explicit = excluded.timezone_explicit,
			timezone = excluded.timezone, updated_at = excluded.updated_at
		WHERE (s.first_name, s.last_name, s.phone_raw, s.phone, s.email, s.tags, s.timezone_explicit, s.timezone)
			IS DISTINCT FROM (excluded.first_name, excluded.last_name, excluded.phone_raw, excluded.phone,
				excluded.email, excluded.tags, excluded.timezone_explicit, excluded.timezone)
		RETURNING s.xmax = 0 AS inserted
	)
	SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted`

// findOrCreateList returns the group's list of that name, creating it when
// missing; the second column says whether it did.
const findOrCreateList = `
	WITH created AS (
		INSERT INTO call_lists (organisation_id, group_id, name, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (group_id, name) DO NOTHING
		RETURNING id
	)
	SELECT id, true FROM created
	UNION ALL
	SELECT id, false FROM call_lists WHERE group_id = $2 AND name = $3`

// addImportedToList makes every imported supporter a current member of the
// list: newcomers and removed members (re-added) join at the end, in file
// order (R8.4); current members keep their place.
const addImportedToList = `
	INSERT INTO list_members AS m (group_id, list_id, supporter_id, position, added_at)
	SELECT $1, $2, joining.id, nextval('list_member_position'), $3
	FROM (
		SELECT s.id
		FROM import_rows r
		CROSS JOIN LATERAL (
			SELECT id FROM supporters s WHERE s.group_id = $1 AND s.phone_key = r.phone_key LIMIT 1
		) s
		LEFT JOIN LATERAL (
			SELECT true AS found, removed_at FROM list_members cur
			WHERE cur.list_id = $2 AND cur.supporter_id = s.id LIMIT 1
		) cur ON true
		WHERE cur.found IS NULL OR cur.removed_at IS NOT NULL
		ORDER BY r.line
	) joining
	ON CONFLICT (list_id, supporter_id) DO UPDATE SET
		position = excluded.position, added_at = excluded.added_at, removed_at = NULL
	WHERE m.removed_at IS NOT NULL`
