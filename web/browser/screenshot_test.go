package browser

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// viewport is a screen size the panel must work on.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	phone   = viewport{"phone", 390, 844, true}
	desktop = viewport{"desktop", 1280, 900, false}
)

// screenshotDir is git-ignored (/web/browser/screenshots/ in .gitignore).
const screenshotDir = "screenshots"

// shot saves screenshots of the whole page at a phone's width and a
// desktop's, as screenshots/<test>_<name>_<width>.png, and checks the
// console so far. Look at them: tests cannot tell a broken layout.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	for _, vp := range []viewport{phone, desktop} {
		if tb.saveShot(name, vp) == "" {
			tb.t.Fatalf("screenshot %s at %s width failed", name, vp.name)
		}
	}
	tb.checkConsole()
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// saveShot captures the page at vp and leaves it at the desktop width. It
// returns the file written, "" when it could not.
func (tb *tab) saveShot(name string, vp viewport) string {
	ctx, cancel := context.WithTimeout(tb.ctx, actTimeout)
	defer cancel()
	var opts []chromedp.EmulateViewportOption
	if vp.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	}
	defer chromedp.Do(ctx, chromedp.EmulateViewport(desktop.width, desktop.height)) //nolint:errcheck // best effort
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.width, vp.height, opts...)); err != nil {
		return ""
	}
	// Two frames: the page's media queries and scripts (the phone's Menu
	// button) have seen the new width.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](
		`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))`, chromedp.EvalAwaitPromise)); err != nil {
		return ""
	}
	metrics, err := chromedp.Call(ctx, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil || metrics.CSSContentSize == nil {
		return ""
	}
	height := max(float64(vp.height), metrics.CSSContentSize.Height)
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		CaptureBeyondViewport: new(true),
		FromSurface:           new(true),
		Clip:                  &page.Viewport{X: 0, Y: 0, Width: float64(vp.width), Height: height, Scale: 1},
	})
	if err != nil {
		return ""
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		return ""
	}
	file := filepath.Join(screenshotDir, strings.ToLower(unsafeName.ReplaceAllString(tb.t.Name()+"_"+name+"_"+vp.name, "_"))+".png")
	if err := os.WriteFile(file, shot.Data, 0o644); err != nil {
		return ""
	}
	return file
}

// phoneViewport and desktopViewport set the page's width (and a phone's
// mobile emulation) until the next change.
func phoneViewport() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(phone.width, phone.height, chromedp.EmulateMobile, chromedp.EmulatePortrait)
}

func desktopViewport() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(desktop.width, desktop.height)
}
