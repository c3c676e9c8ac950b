package arisim

import "time"

// Invite is what a far-end phone was shown when a leg was dialled to it:
// the identity of the INVITE's From and P-Asserted-Identity headers. PJSIP
// builds them from the leg's connected line, not from its caller ID
// (recording callerid-on-the-wire): a leg dialled with no connected line
// reaches the phone as From "Anonymous" <sip:anonymous@anonymous.invalid>
// with no P-Asserted-Identity.
type Invite struct {
	ChannelID string    `json:"channel_id"`
	Number    string    `json:"number"`    // the number dialled
	FromName  string    `json:"from_name"` // "Anonymous" when anonymous
	FromNum   string    `json:"from_number"`
	Anonymous bool      `json:"anonymous"` // no number: what the phone shows as "No caller ID"
	At        time.Time `json:"at"`
}

// maxInvites bounds what Invites keeps (the oldest go first).
const maxInvites = 10_000

// Invites returns the identity every dialled phone was shown, oldest first.
func (s *Sim) Invites() []Invite {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Invite(nil), s.invites...)
}

// recordInvite notes the identity c's INVITE carries. The caller holds the
// lock.
func (s *Sim) recordInvite(c *channel) {
	inv := Invite{ChannelID: c.id, Number: c.number, FromName: c.connected.Name,
		FromNum: c.connected.Number, At: s.clock.Now()}
	if inv.FromNum == "" {
		inv.FromName, inv.Anonymous = "Anonymous", true
	}
	if len(s.invites) >= maxInvites {
		s.invites = append(s.invites[:0], s.invites[maxInvites/10:]...)
	}
	s.invites = append(s.invites, inv)
}
