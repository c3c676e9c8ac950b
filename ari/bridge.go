package ari

import (
	"context"
	"fmt"
	"net/http"

	ariv5 "github.com/CyCoreSystems/ari/v5"
)

func bridgeKey(id string) *ariv5.Key { return ariv5.NewKey(ariv5.BridgeKey, id) }

// CreateBridge makes a mixing bridge with the given id
// (POST /bridges/{id}?type=mixing).
func (c *Client) CreateBridge(ctx context.Context, bridgeID string) error {
	return c.call(ctx, http.MethodPost, "bridge_create", bridgeID, func() error {
		_, err := c.rest.Bridge().Create(bridgeKey(bridgeID), "mixing", "")
		return err
	})
}

// DestroyBridge destroys a bridge; one already gone is not an error.
func (c *Client) DestroyBridge(ctx context.Context, bridgeID string) error {
	err := c.call(ctx, http.MethodDelete, "bridge_destroy", bridgeID, func() error {
		return c.rest.Bridge().Delete(bridgeKey(bridgeID))
	})
	if isNotFound(err) {
		return nil
	}
	return err
}

// AddToBridge puts a leg into a bridge. ErrNotFound when the bridge is gone
// (404), the leg is gone (Asterisk answers 400 "Channel not found") or the
// leg has left our application (422).
func (c *Client) AddToBridge(ctx context.Context, bridgeID, channelID string) error {
	if bridgeID == "" || channelID == "" {
		return fmt.Errorf("ari: bridge_add_channel: bridge and channel ids are required: %w", ErrInvalid)
	}
	return c.call(ctx, http.MethodPost, "bridge_add_channel", bridgeID+" channel "+channelID, func() error {
		return c.rest.Bridge().AddChannel(bridgeKey(bridgeID), channelID)
	}, http.StatusBadRequest, http.StatusUnprocessableEntity)
}

// RemoveFromBridge takes a leg out of a bridge. ErrNotFound when the bridge
// is gone (404), the leg is gone (400) or the leg is not in this bridge
// (422): in each case the leg is not in the bridge any more.
func (c *Client) RemoveFromBridge(ctx context.Context, bridgeID, channelID string) error {
	if bridgeID == "" || channelID == "" {
		return fmt.Errorf("ari: bridge_remove_channel: bridge and channel ids are required: %w", ErrInvalid)
	}
	return c.call(ctx, http.MethodPost, "bridge_remove_channel", bridgeID+" channel "+channelID, func() error {
		return c.rest.Bridge().RemoveChannel(bridgeKey(bridgeID), channelID)
	}, http.StatusBadRequest, http.StatusUnprocessableEntity)
}
