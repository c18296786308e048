package phone

import "sync"

// Parsing a number against the numbering plan costs tens of microseconds;
// the send path meets the same numbers again and again (a conversation, a
// retried request, a contact in every campaign). Results are remembered in
// a bounded table that starts afresh when full: Normalize is a pure
// function of its input, so a forgotten entry only costs a parse.

const memoMax = 100_000

type memoKey struct{ input, region string }

type memoResult struct {
	n   Number
	err error
}

type memoTable struct {
	mu sync.RWMutex
	m  map[memoKey]memoResult
}

var memo = &memoTable{m: make(map[memoKey]memoResult)}

func (t *memoTable) get(k memoKey) (memoResult, bool) {
	t.mu.RLock()
	r, ok := t.m[k]
	t.mu.RUnlock()
	return r, ok
}

func (t *memoTable) put(k memoKey, r memoResult) {
	if len(k.input) > 64 {
		return // not a phone number anyone writes; don't let it take room
	}
	t.mu.Lock()
	if len(t.m) >= memoMax {
		clear(t.m)
	}
	t.m[k] = r
	t.mu.Unlock()
}
