package arisim

import (
	"strings"
	"testing"
)

// BenchmarkEvents measures events per second from a key press to a
// websocket reader.
func BenchmarkEvents(b *testing.B) {
	s, _ := startSim(b, Config{})
	st := listen(b, s, testApp)
	id := dialled(b, s, "PJSIP/+447700900300@trunk", 30)
	settle(b, s, st)
	base := st.count()
	digits := strings.Repeat("1", 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Press(id, digits); err != nil {
			b.Fatal(err)
		}
	}
	waitUntil(b, "delivered", func() bool { return st.count() >= base+b.N*1000 })
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}
