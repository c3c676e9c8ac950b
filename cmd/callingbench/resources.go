package main

// Resource readings shared by the ari and ivr benchmarks: CPU time of this
// process, the machine's CPU use, and the live heap.

import (
	"bufio"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// processCPU is the user + system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU reads the first line of /proc/stat: busy and total jiffies of
// every core together (zero when unreadable, e.g. not on Linux).
func machineCPU() (busy, total uint64) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0
	}
	for i, f := range fields[1:] {
		n, _ := strconv.ParseUint(f, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

// machineUse is the share of all cores busy between two machineCPU readings.
func machineUse(busy0, total0, busy1, total1 uint64) float64 {
	if total1 <= total0 {
		return 0
	}
	return float64(busy1-busy0) / float64(total1-total0)
}

// memory is the live heap and goroutine stacks after a full collection.
type memory struct {
	heap, stacks uint64
	goroutines   int
}

// memoryAfterGC collects twice (the second empties what sync.Pools kept
// from the first) and reads the live heap.
func memoryAfterGC() memory {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memory{heap: ms.HeapAlloc, stacks: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

// cpuProfile writes a CPU profile of what follows to $CALLINGBENCH_PROFILE_DIR/name
// when that variable is set (for `go tool pprof`); stop ends it.
func cpuProfile(name string) (stop func()) {
	dir := os.Getenv("CALLINGBENCH_PROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(dir + "/" + name)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// backendsCPU is the CPU time of the PostgreSQL backends serving database
// db on this machine (processes titled "postgres: USER DB ..."), read from
// /proc; zero when unreadable. Backends that ended are not counted.
func backendsCPU(db string) time.Duration {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var ticks uint64
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil {
			continue
		}
		title, err := os.ReadFile("/proc/" + p.Name() + "/cmdline")
		if err != nil {
			continue
		}
		fields := strings.Fields(strings.ReplaceAll(string(title), "\x00", " "))
		if len(fields) < 3 || fields[0] != "postgres:" || fields[2] != db {
			continue
		}
		stat, err := os.ReadFile("/proc/" + p.Name() + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command (which is in parentheses and may
		// hold spaces): state is the first, utime and stime the 12th and 13th.
		_, after, ok := strings.Cut(string(stat), ") ")
		f := strings.Fields(after)
		if !ok || len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseUint(f[11], 10, 64)
		s, _ := strconv.ParseUint(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * (time.Second / clockTicks)
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// the benchmark runs on.
const clockTicks = 100
