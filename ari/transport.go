package ari

import (
	"errors"
	"net"
	"net/http"
	"reflect"
	"time"
	"unsafe"

	"github.com/CyCoreSystems/ari/v5/client/native"
)

// restTimeout bounds every REST call. ari/v5's calls take no context, so
// this timeout (and ResponseHeaderTimeout below) is what stops a call to an
// Asterisk that accepted the connection and never answered. Where the
// adapter waits by itself (a leg's StasisStart in Dial) it waits on ctx.
const restTimeout = 10 * time.Second

// newTransport is the HTTP transport for one Client's REST calls, with a
// bounded connection pool. Asterisk refuses HTTP sessions past http.conf's
// sessionlimit (100 by default): with 200 legs dialled at once and an
// unbounded pool, two thirds of them failed on a real Asterisk, while a pool
// of 32 connections per host served 400 legs (shared/asterisk-ari/README.md).
// Idle connections are kept up to the same bound so a burst does not end in
// a storm of new TCP connections.
func newTransport(maxConnsPerHost int) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
		MaxConnsPerHost:       maxConnsPerHost,
		MaxIdleConns:          maxConnsPerHost,
		MaxIdleConnsPerHost:   maxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: restTimeout,
		ForceAttemptHTTP2:     false, // Asterisk speaks HTTP/1.1 only
	}
}

// useHTTPClient makes ari/v5's native client send its REST calls through hc.
//
// ari/v5 v5.3.1 sends every REST call through an unexported zero-value
// http.Client field, that is through http.DefaultTransport: unbounded
// connections per host and no timeout. The obvious fix, changing the fields
// of http.DefaultTransport when Connect runs, changes every other HTTP
// client of the process, lets the first Client's MaxConnsPerHost win for all,
// and is a data race with any request already in flight (go test -race
// reports it). So the adapter gives each native client its own http.Client
// by setting that one field. The field's name and type are checked: should
// an upgrade of ari/v5 change them, Connect fails loudly instead of
// silently falling back to the unbounded default.
func useHTTPClient(nc *native.Client, hc *http.Client) error {
	f := reflect.ValueOf(nc).Elem().FieldByName("httpClient")
	if !f.IsValid() || f.Type() != reflect.TypeFor[http.Client]() {
		return errors.New("ari: github.com/CyCoreSystems/ari/v5 native.Client has no httpClient field of type http.Client (v5.3.1 had one); the REST transport cannot be bounded")
	}
	*(*http.Client)(unsafe.Pointer(f.UnsafeAddr())) = *hc
	return nil
}
