package ari

import (
	"context"
	"net/http"

	ariv5 "github.com/CyCoreSystems/ari/v5"
)

func channelKey(id string) *ariv5.Key { return ariv5.NewKey(ariv5.ChannelKey, id) }

// Answer answers an inbound leg. ErrNotFound if the leg is gone.
func (c *Client) Answer(ctx context.Context, channelID string) error {
	return c.call(ctx, http.MethodPost, "channel_answer", channelID, func() error {
		return c.rest.Channel().Answer(channelKey(channelID))
	})
}

// Hangup ends a leg with cause ("normal" when empty). A leg already gone is
// not an error: both sides of a call race to hang up.
func (c *Client) Hangup(ctx context.Context, channelID string, cause HangupCause) error {
	if cause == "" {
		cause = CauseNormal
	}
	err := c.call(ctx, http.MethodDelete, "channel_hangup", channelID, func() error {
		return c.rest.Channel().Hangup(channelKey(channelID), string(cause))
	})
	if isNotFound(err) {
		return nil
	}
	return err
}

// ChannelState is a leg's state as Asterisk has it now ("Up", "Ringing",
// "Down", ...). ErrNotFound if the leg is gone. The call flow asks after it
// lost events of the leg (a full mailbox), to learn what it missed.
func (c *Client) ChannelState(ctx context.Context, channelID string) (string, error) {
	var state string
	err := c.call(ctx, http.MethodGet, "channel_get", channelID, func() error {
		data, err := c.rest.Channel().Data(channelKey(channelID))
		if err == nil {
			state = data.State
		}
		return err
	})
	return state, err
}
