package journal

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kori-project/kori"
)

func event(member int64, at time.Time) kori.PrivacyEvent {
	return kori.PrivacyEvent{At: at, Kind: kori.EventErasure, Member: kori.MemberID(member), Scope: "member",
		Reason: kori.ReasonErasure, Actor: kori.Actor{Channel: "web", Name: "member"}}
}

// TestChainAndReplay: entries are numbered and chained; an aborted event
// is not replayed; replay starts after a backup's head or at a time.
func TestChainAndReplay(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := int64(1); i <= 4; i++ {
		c, err := j.Begin(event(i, t0.Add(time.Duration(i)*time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Done(i != 3); err != nil { // the third did not commit
			t.Fatal(err)
		}
	}
	var head int64
	if err := j.Hold(func(h int64) error { head = h; return nil }); err != nil || head != 5 {
		t.Fatalf("head %d (%v), want 5: four events and one abort", head, err)
	}
	j.Close()
	entries, err := Read(dir)
	if err != nil || len(entries) != 5 {
		t.Fatalf("read %d entries: %v", len(entries), err)
	}
	members := func(evs []kori.PrivacyEvent) (out []int64) {
		for _, e := range evs {
			out = append(out, int64(e.Member))
		}
		return out
	}
	if got := members(Replayable(entries, 0, time.Time{})); len(got) != 3 || got[2] != 4 {
		t.Errorf("replay from the start: members %v, want 1 2 4", got)
	}
	if got := members(Replayable(entries, 1, time.Time{})); len(got) != 2 || got[0] != 2 {
		t.Errorf("replay after entry 1: members %v, want 2 4", got)
	}
	if got := members(Replayable(entries, -1, t0.Add(150*time.Minute))); len(got) != 1 || got[0] != 4 {
		t.Errorf("replay since 02:30: members %v, want 4", got)
	}
}

// TestTamperDetected: an edited, removed or reordered line is named.
func TestTamperDetected(t *testing.T) {
	for name, edit := range map[string]func([]string) []string{
		"edited":  func(l []string) []string { l[1] = strings.Replace(l[1], `"member":2`, `"member":9`, 1); return l },
		"removed": func(l []string) []string { return append(l[:1], l[2:]...) },
		"swapped": func(l []string) []string { l[0], l[1] = l[1], l[0]; return l },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			j, _ := Open(dir)
			for i := int64(1); i <= 3; i++ {
				c, _ := j.Begin(event(i, time.Now()))
				c.Done(true)
			}
			j.Close()
			path := filepath.Join(dir, FileName)
			b, _ := os.ReadFile(path)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			os.WriteFile(path, []byte(strings.Join(edit(lines), "\n")+"\n"), 0o600)
			if _, err := Read(dir); err == nil {
				t.Errorf("a journal with a line %s reads without error", name)
			}
		})
	}
}

// TestTwoWritersInterleaveWhole: two journals on one directory (two
// processes) append whole, correctly chained entries.
func TestTwoWritersInterleaveWhole(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		j, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				c, err := j.Begin(event(int64(i), time.Now()))
				if err != nil {
					t.Error(err)
					return
				}
				c.Done(true)
			}
		}()
	}
	wg.Wait()
	entries, err := Read(dir)
	if err != nil || len(entries) != 100 {
		t.Errorf("%d entries, %v; want 100 intact", len(entries), err)
	}
}

// FuzzRead: a damaged journal file is reported, never a panic, and what
// Read accepts is a valid chain.
func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	j, _ := Open(dir)
	c, _ := j.Begin(event(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	c.Done(false)
	j.Close()
	good, _ := os.ReadFile(filepath.Join(dir, FileName))
	f.Add(good)
	f.Add([]byte("{}\n"))
	f.Add([]byte("not json\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, FileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		entries, err := Read(d)
		if err != nil {
			return
		}
		for i, e := range entries {
			if e.Seq != int64(i+1) || hashOf(e) != e.Hash {
				t.Fatalf("accepted a broken chain at %d", i)
			}
		}
	})
}
