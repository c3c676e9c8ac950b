package queue

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// CorrectContact replaces what a contact says (R5.4): contacted, RSVP,
// method, notes, and the tags it adds and removes; the input's CallID,
// SupporterID and IdempotencyKey are ignored. The version it replaces goes
// to the contact's history first. When Contacted changes, the supporter's
// place in the session follows: completed now, or back in the queue (unless
// attempted this cycle, or another contact in the session still marks them
// contacted). The new tag changes are applied to the supporter.
//
// Who may: the contact's author or an admin (else EFORBIDDEN). ENOTFOUND if
// the organisation has no such contact; EINVALID naming the field for bad
// input, as LogContact.
func (s *Store) CorrectContact(ctx context.Context, actor User, contactID int64, in ContactInput) (Contact, error) {
	in, err := in.normalised()
	if err != nil {
		return Contact{}, err
	}
	now := s.clock.Now()
	var c Contact
	err = s.inTx(ctx, "correct contact", func(tx pgx.Tx) error {
		var authorID, supporterID int64
		var hasEvent bool
		var tags []string
		err := tx.QueryRow(ctx, lockCorrectedContact, actor.OrganisationID, contactID).
			Scan(&authorID, &hasEvent, &supporterID, &tags)
		switch {
		case err != nil:
			return notFound(err, "contact")
		case authorID != actor.ID && !actor.Admin:
			return Errorf(EFORBIDDEN, "only the contact's author or an admin may correct it")
		case in.RSVP != RSVPNone && !hasEvent:
			return FieldErrorf("rsvp", "this session's list is not tied to an event")
		}
		_, err = tx.Exec(ctx, correctContact, pgx.NamedArgs{
			"contact": contactID, "actor": actor.ID, "contacted": in.Contacted, "rsvp": in.RSVP,
			"method": in.Method, "notes": in.Notes, "tags_added": in.TagsAdd, "tags_removed": in.TagsRemove, "now": now,
		})
		if err != nil {
			return err
		}
		if err := s.retag(ctx, tx, supporterID, tags, in.TagsAdd, in.TagsRemove, now); err != nil {
			return err
		}
		c, err = scanContact(tx.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts k WHERE k.id = $1`, contactID))
		return err
	})
	if err != nil {
		return Contact{}, err
	}
	return c, nil
}

// lockCorrectedContact locks the contact, then its supporter's queue row and
// the supporter (in the order a log takes them), and reads who wrote it and
// whether its list has an event.
const lockCorrectedContact = `
	SELECT k.author_id, l.event_id IS NOT NULL, sp.id, sp.tags
	FROM contacts k
	JOIN session_supporters ss ON ss.session_id = k.session_id AND ss.supporter_id = k.supporter_id
	JOIN supporters sp ON sp.id = k.supporter_id
	JOIN calling_sessions s ON s.id = k.session_id
	JOIN call_lists l ON l.id = s.list_id
	WHERE k.organisation_id = $1 AND k.id = $2
	FOR NO KEY UPDATE OF k, ss, sp`

// correctContact keeps the current version in the history, writes the new
// one and, when Contacted changed, moves the supporter's queue row with it.
const correctContact = `
	WITH previous AS (
		SELECT * FROM contacts WHERE id = @contact::bigint
	), kept AS (
		INSERT INTO contact_history (contact_id, contacted, rsvp, method, notes, tags_added, tags_removed,
			written_by, written_at, replaced_at)
		SELECT id, contacted, rsvp, method, notes, tags_added, tags_removed, updated_by, updated_at, @now::timestamptz
		FROM previous
	), corrected AS (
		UPDATE contacts k SET contacted = @contacted::boolean, rsvp = nullif(@rsvp::text, '')::rsvp,
			method = @method::text::contact_method, notes = @notes::text,
			tags_added = @tags_added::text[], tags_removed = @tags_removed::text[],
			updated_at = @now::timestamptz, updated_by = @actor::bigint
		FROM previous WHERE k.id = previous.id
		RETURNING k.id, k.session_id, k.supporter_id, k.contacted, previous.contacted AS was_contacted
	)
	UPDATE session_supporters ss
	SET completed_at = CASE WHEN corrected.contacted THEN @now::timestamptz END,
		completed_by = CASE WHEN corrected.contacted THEN @actor::bigint END
	FROM corrected
	WHERE ss.session_id = corrected.session_id AND ss.supporter_id = corrected.supporter_id
		AND corrected.contacted <> corrected.was_contacted
		AND (ss.completed_at IS NULL) = corrected.contacted
		AND (corrected.contacted OR NOT EXISTS (SELECT FROM contacts other
			WHERE other.session_id = corrected.session_id AND other.supporter_id = corrected.supporter_id
				AND other.contacted AND other.id <> corrected.id))`

// ContactVersion is one version of a contact: what it said, who wrote it
// and when, and when a correction replaced it (nil for the current one).
type ContactVersion struct {
	Contacted     bool
	RSVP          RSVP
	Method        ContactMethod
	Notes         string
	TagsAdded     []string
	TagsRemoved   []string
	WrittenBy     int64
	WrittenByName string
	WrittenAt     time.Time
	ReplacedAt    *time.Time
}

// ContactHistory returns every version of a contact, oldest first, ending
// with the current one (R5.4). ENOTFOUND if the organisation has no such
// contact.
func (s *Store) ContactHistory(ctx context.Context, orgID, contactID int64) ([]ContactVersion, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT v.contacted, coalesce(v.rsvp::text, ''), v.method, v.notes, v.tags_added, v.tags_removed,
			v.written_by, trim(u.first_name || ' ' || u.last_name), v.written_at, v.replaced_at
		FROM (
			SELECT h.id AS version, h.contacted, h.rsvp, h.method, h.notes, h.tags_added, h.tags_removed,
				h.written_by, h.written_at, h.replaced_at
			FROM contact_history h JOIN contacts k ON k.id = h.contact_id
			WHERE k.organisation_id = $1 AND k.id = $2
			UNION ALL
			SELECT NULL, k.contacted, k.rsvp, k.method, k.notes, k.tags_added, k.tags_removed,
				k.updated_by, k.updated_at, NULL
			FROM contacts k
			WHERE k.organisation_id = $1 AND k.id = $2
		) v JOIN users u ON u.id = v.written_by
		ORDER BY v.version NULLS LAST`, orgID, contactID)
	if err != nil {
		return nil, Internal("contact history", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContactVersion, error) {
		var v ContactVersion
		err := r.Scan(v.scanDest()...)
		return v, err
	})
	if err != nil {
		return nil, Internal("contact history", err)
	}
	if len(vs) == 0 {
		return nil, Errorf(ENOTFOUND, "contact not found")
	}
	return vs, nil
}

// scanDest is where a row of a contact's version goes.
func (v *ContactVersion) scanDest() []any {
	return []any{&v.Contacted, &v.RSVP, &v.Method, &v.Notes, &v.TagsAdded, &v.TagsRemoved,
		&v.WrittenBy, &v.WrittenByName, &v.WrittenAt, &v.ReplacedAt}
}

// EarlierVersions returns, for each of the organisation's contacts named,
// what it said before its corrections, oldest first (ContactHistory
// without the current version), in one statement: the supporter card shows
// every log's. Contacts never corrected, or not the organisation's, have no
// key.
func (s *Store) EarlierVersions(ctx context.Context, orgID int64, contactIDs []int64) (map[int64][]ContactVersion, error) {
	out := map[int64][]ContactVersion{}
	if len(contactIDs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT h.contact_id, h.contacted, coalesce(h.rsvp::text, ''), h.method, h.notes, h.tags_added, h.tags_removed,
			h.written_by, trim(u.first_name || ' ' || u.last_name), h.written_at, h.replaced_at
		FROM contact_history h
		JOIN contacts k ON k.id = h.contact_id
		JOIN users u ON u.id = h.written_by
		WHERE k.organisation_id = $1 AND h.contact_id = ANY ($2::bigint[])
		ORDER BY h.contact_id, h.id`, orgID, contactIDs)
	if err != nil {
		return nil, Internal("earlier versions", err)
	}
	type keyed struct {
		contactID int64
		version   ContactVersion
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (keyed, error) {
		var k keyed
		err := r.Scan(append([]any{&k.contactID}, k.version.scanDest()...)...)
		return k, err
	})
	if err != nil {
		return nil, Internal("earlier versions", err)
	}
	for _, k := range vs {
		out[k.contactID] = append(out[k.contactID], k.version)
	}
	return out, nil
}
