package ari

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// e164 is the shape of a number the trunk takes: "+", a non-zero country
// code digit, 6 to 15 digits in all, as the schema stores them. Whether the
// number exists is not the adapter's to say: the call flow asks
// libphonenumber (queue.CheckDestination) before dialling, and a stricter
// check here refused real numbers it accepts (Niue's +6834002 has 7
// digits), which then failed as calls instead of being refused (issue 12).
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{5,14}$`)

const (
	// stasisStartTimeout bounds the wait for a new leg's StasisStart when
	// the caller's ctx has no deadline. Asterisk sends it within
	// milliseconds of channels/create; a StasisStart sent while our
	// websocket was down is never replayed.
	stasisStartTimeout = 10 * time.Second
	// dialAttempts is how often a dial answered 409 "Channel not in Stasis
	// application" is tried; the leg's StasisStart has been seen, so
	// Asterisk is only a moment behind.
	dialAttempts = 3
	dialRetryGap = 20 * time.Millisecond
)

// errDisconnected: the events websocket broke while Dial waited for the
// leg's StasisStart, which is then lost.
var errDisconnected = errors.New("ari: events websocket lost")

// Dial creates an outbound leg in our application and dials it: two
// requests, POST /channels/create with the caller ID in its variables, then,
// once the leg's StasisStart is seen, POST /channels/{id}/dial.
//
// channels/create + dial rather than originate because originate's Dial and
// state events arrive before StasisStart. Create can answer before the leg
// is in the application, and Asterisk answers 409 to any operation on a leg
// not yet in it (recordings create-dial-race, create-setvar-race), so Dial
// waits for StasisStart, with a waiter registered before create so even a
// StasisStart that overtakes create's response is seen. Nothing else goes
// between StasisStart and the dial: each request is a round trip to a busy
// PBX on the leader's way from their key to the next ring.
//
// The far end is shown the organisation's identity: PJSIP builds the
// INVITE's From and P-Asserted-Identity from the leg's connected line, not
// its caller ID (recording callerid-on-the-wire), so create sets
// CONNECTEDLINE(num/name), and CALLERID(num/name) to the same so that a
// bridge's connected-line exchange and Asterisk's CDRs show it too.
//
// Route req.ChannelID to the session's mailbox before calling Dial: the
// leg's LegStarted is delivered while Dial runs. Dial returns once the dial
// is sent; ringing, answer, busy, no answer arrive as events. If anything
// fails after the leg was created, Dial hangs the leg up so no Down leg is
// left in the application. The number must be E.164 and the caller ID, when
// set, too (ErrInvalid otherwise).
func (c *Client) Dial(ctx context.Context, req DialRequest) error {
	endpoint, err := c.endpoint(req)
	if err != nil {
		return err
	}
	id := req.ChannelID
	started, stopWaiting := c.routes.awaitStart(id)
	defer stopWaiting()
	if err := c.createLeg(ctx, req, endpoint); err != nil {
		return err
	}
	if err := c.dialCreated(ctx, req, started); err != nil {
		if herr := c.Hangup(context.WithoutCancel(ctx), id, CauseNormal); herr != nil {
			c.log.Warn("hanging up a leg whose dial failed", "channel_id", id, "error", herr)
		}
		return err
	}
	return nil
}

// endpoint validates req and returns its dial string.
func (c *Client) endpoint(req DialRequest) (string, error) {
	invalid := func(field, format string, args ...any) (string, error) {
		return "", fmt.Errorf("ari: dial %s: %s: %s: %w", req.ChannelID, field, fmt.Sprintf(format, args...), ErrInvalid)
	}
	switch {
	case req.ChannelID == "":
		return invalid("ChannelID", "required")
	case !e164.MatchString(req.Number):
		return invalid("Number", "%q is not an E.164 number (+ and 6 to 15 digits)", req.Number)
	case req.CallerID != "" && !e164.MatchString(req.CallerID):
		return invalid("CallerID", "%q is not an E.164 number (+ and 6 to 15 digits)", req.CallerID)
	case utf8.RuneCountInString(req.CallerName) > maxCallerNameLen || strings.ContainsAny(req.CallerName, "\"<>\\\r\n"):
		return invalid("CallerName", "%q is not a caller name (up to %d characters, no quotes, angle brackets or backslashes)", req.CallerName, maxCallerNameLen)
	case req.Timeout < 0:
		return invalid("Timeout", "%v is negative", req.Timeout)
	}
	return strings.ReplaceAll(c.cfg.DialString, "{number}", req.Number), nil
}

// maxCallerNameLen bounds a caller name: it travels in a SIP header's
// display name.
const maxCallerNameLen = 64

// createLeg is POST /channels/create with the identity the far end is
// shown in the body's variables. ari/v5's ChannelCreateRequest has no
// variables, so the request is ours, through the same bounded pool.
func (c *Client) createLeg(ctx context.Context, req DialRequest, endpoint string) error {
	vars := map[string]string{}
	if req.CallerID != "" {
		vars["CONNECTEDLINE(num)"], vars["CALLERID(num)"] = req.CallerID, req.CallerID
	}
	if req.CallerName != "" {
		vars["CONNECTEDLINE(name)"], vars["CALLERID(name)"] = req.CallerName, req.CallerName
	}
	body := struct {
		Endpoint   string            `json:"endpoint"`
		App        string            `json:"app"`
		ChannelID  string            `json:"channelId"`
		Originator string            `json:"originator,omitempty"`
		Variables  map[string]string `json:"variables,omitempty"`
	}{endpoint, c.cfg.Application, req.ChannelID, req.Originator, vars}
	return c.send(ctx, http.MethodPost, "channel_create", req.ChannelID, "/channels/create", body, http.StatusOK)
}

// dialCreated does the rest of Dial once the leg exists.
func (c *Client) dialCreated(ctx context.Context, req DialRequest, started <-chan error) error {
	id, key := req.ChannelID, channelKey(req.ChannelID)
	if err := c.waitStarted(ctx, id, started); err != nil {
		return err
	}
	// ari/v5 sends whole seconds, truncated: round up so that 1.5 s does not
	// become 1 s, nor 0.5 s Asterisk's default.
	timeout := time.Duration(math.Ceil(req.Timeout.Seconds())) * time.Second
	for attempt := 1; ; attempt++ {
		// No caller: it would replace the connected line create set with
		// the caller channel's own caller ID.
		err := c.call(ctx, http.MethodPost, "channel_dial", id, func() error {
			return c.rest.Channel().Dial(key, "", timeout)
		})
		var re *RESTError
		if err == nil || !errors.As(err, &re) || re.Status != http.StatusConflict || attempt == dialAttempts {
			return err
		}
		c.log.Info("dial answered 409 after StasisStart; retrying", "channel_id", id, "attempt", attempt)
		if err := c.pause(ctx, time.Duration(attempt)*dialRetryGap); err != nil {
			return fmt.Errorf("ari: channel_dial %s: %w", id, err)
		}
	}
}

// waitStarted waits for the leg's StasisStart, bounded by ctx, by
// stasisStartTimeout, by Close and by a lost websocket.
func (c *Client) waitStarted(ctx context.Context, id string, started <-chan error) error {
	timer := time.NewTimer(stasisStartTimeout)
	defer timer.Stop()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("ari: dial %s: waiting for StasisStart: %w", id, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ari: dial %s: waiting for StasisStart: %w", id, ctx.Err())
	case <-timer.C:
		return fmt.Errorf("ari: dial %s: no StasisStart within %v", id, stasisStartTimeout)
	case <-c.ctx.Done():
		return fmt.Errorf("ari: dial %s: %w", id, errClosed)
	}
}

// pause waits d unless ctx or the client ends first.
func (c *Client) pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return errClosed
	}
}
