package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cpuTimes is CPU time (user + system) used so far by the server, by every
// PostgreSQL process on this machine, and by this driver: where a page's
// cost goes, per request, when the three share the cores.
type cpuTimes struct{ server, postgres, driver time.Duration }

// ticks is the kernel's USER_HZ, which /proc/<pid>/stat counts in; 100 on
// Linux everywhere Go runs.
const ticks = 100

func readCPU(serverPID int) cpuTimes {
	var c cpuTimes
	c.server = procCPU(strconv.Itoa(serverPID))
	c.driver = procCPU("self")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm") // #nosec G304 -- a process's name under /proc
		if err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			c.postgres += procCPU(filepath.Base(d))
		}
	}
	return c
}

// procCPU reads utime + stime of one process (0 when it has gone).
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat") // #nosec G304 -- a process's stat file under /proc
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may hold spaces: fields
	// count from the last ')'. utime and stime are fields 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / ticks
}

func (c cpuTimes) sub(o cpuTimes) cpuTimes {
	return cpuTimes{c.server - o.server, c.postgres - o.postgres, c.driver - o.driver}
}

func (c cpuTimes) add(o cpuTimes) cpuTimes {
	return cpuTimes{c.server + o.server, c.postgres + o.postgres, c.driver + o.driver}
}
