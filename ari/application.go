package ari

import (
	"context"
	"net/http"

	ariv5 "github.com/CyCoreSystems/ari/v5"
)

// Application lists the channels and bridges Asterisk holds for our
// application (GET /applications/{app}). The call flow calls it after each
// Connected to reconcile its live calls (R10.5): Asterisk replays nothing
// that happened while we were away. ErrNotFound when Asterisk does not know
// the application, which happens while our websocket is down.
func (c *Client) Application(ctx context.Context) (AppState, error) {
	var data *ariv5.ApplicationData
	err := c.call(ctx, http.MethodGet, "application_get", c.cfg.Application, func() error {
		var err error
		data, err = c.rest.Application().Data(ariv5.NewKey(ariv5.ApplicationKey, c.cfg.Application))
		return err
	})
	if err != nil {
		return AppState{}, err
	}
	return AppState{
		ChannelIDs: append([]string{}, data.ChannelIDs...),
		BridgeIDs:  append([]string{}, data.BridgeIDs...),
	}, nil
}
