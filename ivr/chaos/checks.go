package chaos

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// checkWrites counts lost writes: the panel's contacts and skips that are
// missing or doubled, and legs Asterisk dialled that have no call record
// (callingd records a leg's channel before dialling it, so a dial without a
// record is a record lost).
func (d *drill) checkWrites(ctx context.Context) error {
	lost, err := d.panel.lostWrites(ctx, d.store)
	if err != nil {
		return err
	}
	unrecorded, err := d.unrecordedDials(ctx)
	if err != nil {
		return err
	}
	lost = append(lost, unrecorded...)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.res.LostWrites += len(lost)
	for _, l := range lost {
		d.res.Problems = append(d.res.Problems, "lost write: "+l)
	}
	return nil
}

// unrecordedDials lists the channels the phone network saw dialled whose
// call record does not name them, or names another number.
func (d *drill) unrecordedDials(ctx context.Context) ([]string, error) {
	invites := d.sim.Invites()
	ids := make([]string, len(invites))
	for i, inv := range invites {
		ids[i] = inv.ChannelID
	}
	rows, _ := d.store.Pool().Query(ctx, `SELECT channel_id, dialled_number FROM call_records WHERE channel_id = ANY($1)`, ids)
	recorded := map[string]string{}
	_, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		var ch, number string
		err := row.Scan(&ch, &number)
		recorded[ch] = number
		return struct{}{}, err
	})
	if err != nil {
		return nil, fmt.Errorf("dials without a record: %w", err)
	}
	var out []string
	for _, inv := range invites {
		number, ok := recorded[inv.ChannelID]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("channel %s dialled %s at %s has no call record", inv.ChannelID, inv.Number, inv.At.Format("15:04:05.000")))
		case number != inv.Number:
			out = append(out, fmt.Sprintf("channel %s dialled %s but its call record says %s", inv.ChannelID, inv.Number, number))
		}
	}
	return out, nil
}

// checkDoubleDials counts every pair of legs to one supporter that were
// live at once: seen by the watcher in the phone network or the records,
// or found now as records whose times overlap. One pair counts once.
func (d *drill) checkDoubleDials(ctx context.Context) error {
	doubles := d.watch.finish()
	rows, _ := d.store.Pool().Query(ctx, `SELECT a.supporter_id, a.id, a.session_id, b.id, b.session_id,
			a.originated_at::text, coalesce(a.ended_at::text, 'never'), b.originated_at::text, coalesce(b.ended_at::text, 'never'),
			coalesce((least(coalesce(a.ended_at, 'infinity'), coalesce(b.ended_at, 'infinity')) - b.originated_at)::text, 'ever since')
		FROM call_records a JOIN call_records b ON b.supporter_id = a.supporter_id AND b.id > a.id
		WHERE a.leg = 'supporter' AND b.leg = 'supporter'
			AND b.originated_at < coalesce(a.ended_at, 'infinity') AND a.originated_at < coalesce(b.ended_at, 'infinity')`)
	overlaps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) ([2]string, error) {
		var supporter, a, as, b, bs int64
		var aFrom, aTo, bFrom, bTo, overlap string
		err := row.Scan(&supporter, &a, &as, &b, &bs, &aFrom, &aTo, &bFrom, &bTo, &overlap)
		return [2]string{pairKey([]string{channelOf(a), channelOf(b)}), fmt.Sprintf(
			"supporter %d: record %d (session %d, %s to %s) overlaps record %d (session %d, %s to %s) by %s",
			supporter, a, as, aFrom, aTo, b, bs, bFrom, bTo, overlap)}, err
	})
	if err != nil {
		return fmt.Errorf("overlapping records: %w", err)
	}
	for _, o := range overlaps {
		if seen, ok := doubles[o[0]]; ok {
			doubles[o[0]] = seen + "; " + o[1]
		} else {
			// Times on records are the server's clock when it sent each
			// statement, so a claim whose statement waited behind the end of
			// the previous call can carry an earlier time than that end.
			doubles[o[0]] = o[1] + " (only in the records' times: the samples every " + sampleEvery.String() +
				" of the phone network and of the live records never saw both legs live)"
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.res.DoubleDials += len(doubles)
	for pair, what := range doubles {
		d.res.Problems = append(d.res.Problems, fmt.Sprintf("double dial %s: %s", strings.ReplaceAll(pair, "+", " and "), what))
	}
	return nil
}
