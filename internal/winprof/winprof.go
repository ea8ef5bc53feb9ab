// Package winprof is the hidden measuring hook of VaultLink's window and of the empty Fyne
// window it is compared with (make bench): with VAULTLINK_PROFILE_DIR set, the window notes
// when its first frame is on screen, and when it closes (SIGINT, SIGTERM, the close button, or
// the end of a tour) writes a Go heap profile and its memory figures there. Without the variable it does
// nothing. Nothing it writes holds a secret value: a heap profile records allocation sites
// and sizes, not contents.
package winprof

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// EnvVar names the folder the figures go to.
const EnvVar = "VAULTLINK_PROFILE_DIR"

// File names in that folder.
const (
	FirstFrameFile = "first-frame"   // wall-clock Unix nanoseconds when the first frame was shown
	HeapFile       = "heap.pprof"    // go tool pprof -sample_index=inuse_space
	MemStatsFile   = "memstats.json" // Memory, below
)

// Memory is what MemStatsFile holds, after a full garbage collection.
type Memory struct {
	HeapInuse  uint64 `json:"heap_inuse"` // bytes in in-use heap spans
	HeapAlloc  uint64 `json:"heap_alloc"` // bytes of live heap objects
	GoSys      uint64 `json:"go_sys"`     // bytes the Go runtime got from the OS
	PeakRSS    uint64 `json:"peak_rss"`   // VmHWM: peak resident set so far, bytes
	RSS        uint64 `json:"rss"`        // VmRSS now, bytes
	Goroutines int    `json:"goroutines"` // live goroutines
}

// profileRate is the heap profile's sampling interval while measuring: fine enough to see a
// few hundred kilobytes held by one call site (the default, 512 KiB, hides most of them).
const profileRate = 16 * 1024

func init() {
	// In init, so the profile also sees what is allocated before the window is built.
	if os.Getenv(EnvVar) != "" {
		runtime.MemProfileRate = profileRate
	}
}

// Hook is the measuring hook of one window.
type Hook struct {
	dir  string
	once sync.Once
}

// Attach installs the hook on the app and its main window when VAULTLINK_PROFILE_DIR is set,
// and returns it (nil otherwise; a nil Hook's methods do nothing). Call it before ShowAndRun,
// and call Write after it returns.
// It takes the window's OnClosed callback, which nothing else in VaultLink uses.
func Attach(a fyne.App, w fyne.Window) *Hook {
	dir := os.Getenv(EnvVar)
	if dir == "" {
		return nil
	}
	h := &Hook{dir: dir}
	// Fyne's desktop driver paints the shown window once, synchronously, before its event loop
	// starts and calls OnStarted: so this is the moment the first frame has been swapped in.
	a.Lifecycle().SetOnStarted(func() {
		h.put(FirstFrameFile, []byte(strconv.FormatInt(time.Now().UnixNano(), 10)))
	})
	// Closing the window (its close button, or a programmatic Quit) runs OnClosed while the
	// widgets and renderers still exist. On SIGINT and SIGTERM Fyne stops its event loop
	// without closing windows: the caller calls Write when ShowAndRun returns.
	w.SetOnClosed(h.Write)
	return h
}

// Write records the heap profile and memory figures, once; later calls do nothing.
func (h *Hook) Write() {
	if h == nil {
		return
	}
	h.once.Do(func() {
		runtime.GC() // what is still referenced, not garbage waiting for a collection
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m := Memory{HeapInuse: ms.HeapInuse, HeapAlloc: ms.HeapAlloc, GoSys: ms.Sys, Goroutines: runtime.NumGoroutine()}
		m.PeakRSS, m.RSS = procStatus("VmHWM"), procStatus("VmRSS")
		f, err := os.Create(filepath.Join(h.dir, HeapFile))
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "winprof: heap profile:", err)
		}
		data, _ := json.Marshal(m)
		h.put(MemStatsFile, data)
	})
}

func (h *Hook) put(name string, data []byte) {
	if err := os.WriteFile(filepath.Join(h.dir, name), data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "winprof:", err)
	}
}

// procStatus reads a "kB" line of /proc/self/status in bytes (0 where there is none).
func procStatus(field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}
