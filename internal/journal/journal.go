// Package journal keeps Kori's privacy journal: every privacy event
// (choices, erasures, retention) in an append-only, hash-chained file
// outside the database it protects, so that a restored backup can be
// brought to where the lost database was — no erased member, no deleted
// year, no objection forgotten — on any engine.
//
// The file is JSON lines. Each entry carries the hash of the one before
// it, so an edited, removed or reordered entry is found by Verify. The
// directory is locked (flock) from an event's Begin to its Done, so that
// several Kori processes (serve, a CLI retention run) append one at a
// time and the file's order is the order in which the changes committed.
// Put the directory on another volume than the database in production.
package journal

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/kori-project/kori"
)

// FileName is the journal file inside its directory.
const FileName = "privacy.jsonl"

// Journal is an open privacy journal.
type Journal struct {
	mu   sync.Mutex // held from Begin to Done within this process
	lock *os.File   // flock'ed from Begin to Done across processes
	file *os.File
}

// Entry is one line of the journal: an event, or the abort of one.
type Entry struct {
	kori.PrivacyEvent
	// Aborts names an earlier event that did not commit.
	Aborts int64  `json:"aborts,omitempty"`
	Prev   string `json:"prev"`
	Hash   string `json:"hash"`
}

// Open opens (creating if needed) the journal in dir.
func Open(dir string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("privacy journal: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("privacy journal: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("privacy journal: %w", err)
	}
	return &Journal{lock: lock, file: f}, nil
}

// Close closes the journal.
func (j *Journal) Close() error {
	j.lock.Close()
	return j.file.Close()
}

// hold takes the journal within the process and across processes.
func (j *Journal) hold() error {
	j.mu.Lock()
	if err := syscall.Flock(int(j.lock.Fd()), syscall.LOCK_EX); err != nil {
		j.mu.Unlock()
		return fmt.Errorf("privacy journal: lock: %w", err)
	}
	return nil
}

func (j *Journal) release() {
	_ = syscall.Flock(int(j.lock.Fd()), syscall.LOCK_UN)
	j.mu.Unlock()
}

// Begin appends e (numbered after the last entry) and holds the journal
// until Done. It implements kori.Journal.
func (j *Journal) Begin(e kori.PrivacyEvent) (kori.JournalCommit, error) {
	if err := j.hold(); err != nil {
		return nil, err
	}
	seq, err := j.append(Entry{PrivacyEvent: e})
	if err != nil {
		j.release()
		return nil, err
	}
	return &pending{j: j, seq: seq}, nil
}

type pending struct {
	j    *Journal
	seq  int64
	done bool
}

// Done releases the journal; an event that did not commit gets an abort
// entry, so replays skip it.
func (p *pending) Done(committed bool) error {
	if p.done {
		return nil
	}
	p.done = true
	defer p.j.release()
	if committed {
		return nil
	}
	_, err := p.j.append(Entry{PrivacyEvent: kori.PrivacyEvent{At: time.Now().UTC()}, Aborts: p.seq})
	return err
}

// Hold runs fn with the journal held, so no event commits meanwhile, and
// gives it the number of the last entry: a backup records it as the point
// after which a restore replays.
func (j *Journal) Hold(fn func(head int64) error) error {
	if err := j.hold(); err != nil {
		return err
	}
	defer j.release()
	last, err := j.last()
	if err != nil {
		return err
	}
	return fn(last.Seq)
}

// append writes one entry after the last, chained to it, and syncs.
func (j *Journal) append(e Entry) (int64, error) {
	last, err := j.last()
	if err != nil {
		return 0, err
	}
	e.Seq, e.Prev = last.Seq+1, last.Hash
	e.At = e.At.UTC().Truncate(time.Second)
	e.Hash = ""
	e.Hash = hashOf(e)
	b, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	if _, err := j.file.Write(append(b, '\n')); err != nil {
		return 0, fmt.Errorf("privacy journal: write: %w", err)
	}
	if err := j.file.Sync(); err != nil {
		return 0, fmt.Errorf("privacy journal: sync: %w", err)
	}
	return e.Seq, nil
}

// hashOf is the SHA-256 of the entry's JSON without its own hash.
func hashOf(e Entry) string {
	e.Hash = ""
	b, _ := json.Marshal(e)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// last reads the last entry of the file (another process may have
// appended since this one did).
func (j *Journal) last() (Entry, error) {
	st, err := j.file.Stat()
	if err != nil {
		return Entry{}, err
	}
	size := st.Size()
	if size == 0 {
		return Entry{}, nil
	}
	// Entries are short: read back far enough to hold the last whole line.
	for back := int64(4096); ; back *= 4 {
		from := max(size-back, 0)
		buf := make([]byte, size-from)
		if _, err := j.file.ReadAt(buf, from); err != nil && err != io.EOF {
			return Entry{}, err
		}
		buf = bytes.TrimRight(buf, "\n")
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 && from > 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(buf[i+1:], &e); err != nil {
			return Entry{}, fmt.Errorf("privacy journal: the last entry is unreadable (%v); run kori journal verify", err)
		}
		return e, nil
	}
}

// Read returns every entry in order, checking the chain: an entry whose
// hash does not match its content, that does not link to the one before
// it, or that breaks the numbering is an error naming it.
func Read(dir string) ([]Entry, error) {
	f, err := os.Open(filepath.Join(dir, FileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	var prev Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return out, fmt.Errorf("privacy journal line %d: unreadable: %v", line, err)
		}
		switch {
		case e.Seq != prev.Seq+1:
			return out, fmt.Errorf("privacy journal line %d: entry %d follows %d (entries missing or reordered)", line, e.Seq, prev.Seq)
		case e.Prev != prev.Hash:
			return out, fmt.Errorf("privacy journal line %d: entry %d does not link to the entry before it", line, e.Seq)
		case hashOf(e) != e.Hash:
			return out, fmt.Errorf("privacy journal line %d: entry %d does not match its hash (edited)", line, e.Seq)
		}
		out = append(out, e)
		prev = e
	}
	return out, sc.Err()
}

// Replayable returns the events to replay on a database restored to the
// point after entry `after` (a backup's journal head), or, when after is
// negative, to the time since: every committed event after that point, in
// order, without aborted ones.
func Replayable(entries []Entry, after int64, since time.Time) []kori.PrivacyEvent {
	aborted := map[int64]bool{}
	for _, e := range entries {
		if e.Aborts > 0 {
			aborted[e.Aborts] = true
		}
	}
	var out []kori.PrivacyEvent
	for _, e := range entries {
		if e.Aborts > 0 || aborted[e.Seq] || e.Kind == "" {
			continue
		}
		if after >= 0 && e.Seq <= after || after < 0 && e.At.Before(since) {
			continue
		}
		out = append(out, e.PrivacyEvent)
	}
	return out
}
