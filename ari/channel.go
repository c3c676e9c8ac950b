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
