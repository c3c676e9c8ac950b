package ari

import (
	"context"
	"fmt"
	"net/http"

	ariv5 "github.com/CyCoreSystems/ari/v5"
)

// Play starts media on a leg (POST /channels/{id}/play/{playbackId}):
// "sound:NAME" for a prompt, "tone:ring" for ringback. PlaybackStarted and
// PlaybackFinished follow on the leg's channel id. ErrNotFound if the leg
// is gone.
func (c *Client) Play(ctx context.Context, channelID, playbackID, media string) error {
	if playbackID == "" || media == "" {
		return fmt.Errorf("ari: channel_play %s: playback id and media are required: %w", channelID, ErrInvalid)
	}
	return c.call(ctx, http.MethodPost, "channel_play", channelID, func() error {
		_, err := c.rest.Channel().Play(channelKey(channelID), playbackID, media)
		return err
	})
}

// StopPlayback stops a playback; one already finished is not an error.
func (c *Client) StopPlayback(ctx context.Context, playbackID string) error {
	err := c.call(ctx, http.MethodDelete, "playback_stop", playbackID, func() error {
		return c.rest.Playback().Stop(ariv5.NewKey(ariv5.PlaybackKey, playbackID))
	})
	if isNotFound(err) {
		return nil
	}
	return err
}

// PlaybackPlaying reports whether a playback is still playing (false once
// it finished or was stopped). The call flow asks after it lost events.
func (c *Client) PlaybackPlaying(ctx context.Context, playbackID string) (bool, error) {
	err := c.call(ctx, http.MethodGet, "playback_get", playbackID, func() error {
		_, err := c.rest.Playback().Data(ariv5.NewKey(ariv5.PlaybackKey, playbackID))
		return err
	})
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}
