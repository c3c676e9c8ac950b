// Package browser holds the panel's tests in a real browser: headless
// Chromium, driven by chromedp, against the callingd binary serving with the
// ARI simulator as its phone network (`callingd serve --simulate`), on
// loopback, on a database of its own in the private PostgreSQL cluster.
//
// The package has no code of its own: everything is in its _test.go files.
// One callingd and one Chromium serve every test of a run (TestMain); each
// test gets its own browser context (cookies, storage), so tests run in
// parallel without logging each other in or out. Screenshots go to
// screenshots/ (git-ignored), at a phone's width and a desktop's.
//
// A missing Chromium fails the tests, so CI never passes by skipping them;
// CALLINGD_BROWSER=skip lets a machine without it skip them instead.
// `make deps` installs Debian's chromium.
package browser
