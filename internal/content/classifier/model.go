// Package classifier is the statistical layer of the content checker: a
// multinomial naive Bayes model over normalised word unigrams and bigrams
// that labels a text ham, spam or smishing, a built-in model trained from
// the labelled data in testdata/ and embedded in the binary, per-tenant
// retraining on top of it, and the Registry that serves each tenant its
// active model.
//
// Why naive Bayes and not logistic regression: its training is counting,
// so it is exactly deterministic (no iteration order, learning rate or
// stopping rule), takes milliseconds on ten thousand messages, and a
// tenant's model is the built-in counts plus the counts of its own data —
// retraining needs no copy of the built-in data set in the binary. Its
// verdict is a sum of table lookups, well inside the latency budget of the
// send path. On short messages it is known to rank about as well as a
// linear model; its weakness, over-confident probabilities, matters less
// because the policy rule reads the label and the tokens with the score.
package classifier

import (
	"bytes"
	"compress/gzip"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/wabaguard/wabaguard/internal/content"
)

// Labels, in the order the model stores them.
const (
	Ham      = "ham"
	Spam     = "spam"
	Smishing = "smishing"
)

const nLabels = 3

// Labels lists the labels a model knows, in its order.
var Labels = [nLabels]string{Ham, Spam, Smishing}

// LabelIndex returns the position of a label in Labels, or -1.
func LabelIndex(label string) int {
	for i, l := range Labels {
		if l == label {
			return i
		}
	}
	return -1
}

// Example is one labelled text.
type Example struct {
	Text  string
	Label string
	// Lang is "en" or "pt-BR", or "" when not known; it is only used to
	// break the measurements down.
	Lang string
}

// Alpha is the additive (Laplace) smoothing of every count.
const Alpha = 0.5

// builtinMinCount is how often a token must appear in the built-in data to
// be kept in the built-in model: tokens seen once are mostly names, typos
// and translation noise, and dropping them halves the model.
const builtinMinCount = 2

// formatVersion is the version of the encoded model. Decode refuses any
// other, so a model stored by a newer gateway is never misread.
const formatVersion = 1

// wordsInVerdict is how many tokens a Verdict explains itself with.
const wordsInVerdict = 5

// counts are the sufficient statistics of the model: documents and token
// occurrences per label.
type counts struct {
	docs  [nLabels]int
	feats map[string]*[nLabels]int
}

func newCounts() *counts { return &counts{feats: map[string]*[nLabels]int{}} }

// add counts one example; its label must be known.
func (c *counts) add(e Example) {
	li := LabelIndex(e.Label)
	if li < 0 {
		return
	}
	c.docs[li]++
	var t tokens
	t.tokenize(e.Text)
	var pair []byte
	for i := range t.len() {
		c.inc(t.at(i), li)
		if i > 0 {
			pair = appendPair(pair[:0], t.at(i-1), t.at(i))
			c.inc(pair, li)
		}
	}
}

func (c *counts) inc(f []byte, li int) {
	n := c.feats[string(f)]
	if n == nil {
		n = new([nLabels]int)
		c.feats[string(f)] = n
	}
	n[li]++
}

func appendPair(dst, a, b []byte) []byte {
	dst = append(dst, a...)
	dst = append(dst, ' ')
	return append(dst, b...)
}

// Model is a trained classifier. It is immutable and safe for concurrent
// use.
type Model struct {
	name     string
	rows     int
	docs     [nLabels]int
	features []string // sorted
	counts   []uint32 // nLabels per feature, in the order of features
	index    map[string]int32
	logp     []float64 // log P(feature | label), nLabels per feature
	prior    [nLabels]float64
}

// Train builds a model from examples. The same examples in any order give
// the same model.
func Train(name string, examples []Example) *Model {
	c := newCounts()
	for _, e := range examples {
		c.add(e)
	}
	return fromCounts(name, len(examples), c, 1)
}

// trainBuiltin is Train keeping only tokens seen builtinMinCount times.
func trainBuiltin(name string, examples []Example) *Model {
	c := newCounts()
	for _, e := range examples {
		c.add(e)
	}
	return fromCounts(name, len(examples), c, builtinMinCount)
}

// Extend returns a new model trained on everything m was trained on plus
// examples: naive Bayes counts add up, so this is the model of both data
// sets together (less the rare tokens the built-in model dropped).
func (m *Model) Extend(name string, examples []Example) *Model {
	c := newCounts()
	c.docs = m.docs
	for i, f := range m.features {
		n := new([nLabels]int)
		for l := range nLabels {
			n[l] = int(m.counts[i*nLabels+l])
		}
		c.feats[f] = n
	}
	for _, e := range examples {
		c.add(e)
	}
	return fromCounts(name, m.rows+len(examples), c, 1)
}

func fromCounts(name string, rows int, c *counts, minCount int) *Model {
	m := &Model{name: name, rows: rows, docs: c.docs}
	for f, n := range c.feats {
		if n[0]+n[1]+n[2] >= minCount {
			m.features = append(m.features, f)
		}
	}
	sort.Strings(m.features)
	m.counts = make([]uint32, 0, len(m.features)*nLabels)
	for _, f := range m.features {
		for _, v := range c.feats[f] {
			m.counts = append(m.counts, uint32(v))
		}
	}
	m.derive()
	return m
}

// derive computes the lookup tables from the counts.
func (m *Model) derive() {
	var total [nLabels]float64
	for i, v := range m.counts {
		total[i%nLabels] += float64(v)
	}
	v := float64(len(m.features))
	docs := 0
	for _, d := range m.docs {
		docs += d
	}
	for l := range nLabels {
		m.prior[l] = math.Log((float64(m.docs[l]) + Alpha) / (float64(docs) + Alpha*nLabels))
	}
	m.index = make(map[string]int32, len(m.features))
	m.logp = make([]float64, len(m.counts))
	for i, f := range m.features {
		m.index[f] = int32(i)
		for l := range nLabels {
			m.logp[i*nLabels+l] = math.Log((float64(m.counts[i*nLabels+l]) + Alpha) / (total[l] + Alpha*v))
		}
	}
}

// Name is the model's name, as Verdict.Model reports it.
func (m *Model) Name() string { return m.name }

// Rows is how many examples the model was trained on.
func (m *Model) Rows() int { return m.rows }

// Features is how many distinct tokens and token pairs the model knows.
func (m *Model) Features() int { return len(m.features) }

// scratch is the per-call working memory of Classify, pooled.
type scratch struct {
	t    tokens
	pair []byte
	hits []int32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Classify returns the model's verdict on text.
func (m *Model) Classify(text string) content.Verdict {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.t.tokenize(text)
	sc.hits = sc.hits[:0]
	score := m.prior
	look := func(f []byte) {
		if i, ok := m.index[string(f)]; ok {
			sc.hits = append(sc.hits, i)
			p := m.logp[int(i)*nLabels : int(i)*nLabels+nLabels]
			for l := range nLabels {
				score[l] += p[l]
			}
		}
	}
	for i := range sc.t.len() {
		look(sc.t.at(i))
		if i > 0 {
			sc.pair = appendPair(sc.pair[:0], sc.t.at(i-1), sc.t.at(i))
			look(sc.pair)
		}
	}
	best := 0
	for l := 1; l < nLabels; l++ {
		if score[l] > score[best] {
			best = l
		}
	}
	var sum float64
	for l := range nLabels {
		sum += math.Exp(score[l] - score[best])
	}
	return content.Verdict{
		Label: Labels[best],
		Score: 1 / sum,
		Words: m.words(sc.hits, best),
		Model: m.name,
	}
}

// words returns the tokens that pushed most toward label best: those whose
// log-likelihood under best most exceeds that under the next likeliest
// label, times how often they occur.
func (m *Model) words(hits []int32, best int) []string {
	slices.Sort(hits)
	type weighed struct {
		f int32
		w float64
	}
	var top [wordsInVerdict]weighed
	n := 0
	for i := 0; i < len(hits); {
		j := i
		for j < len(hits) && hits[j] == hits[i] {
			j++
		}
		f := int(hits[i])
		p := m.logp[f*nLabels : f*nLabels+nLabels]
		other := math.Inf(-1)
		for l := range nLabels {
			if l != best && p[l] > other {
				other = p[l]
			}
		}
		w := (p[best] - other) * float64(j-i)
		i = j
		if w <= 0 {
			continue
		}
		k := n
		if k == wordsInVerdict {
			if w <= top[k-1].w {
				continue
			}
			k--
		} else {
			n++
		}
		for k > 0 && top[k-1].w < w {
			top[k] = top[k-1]
			k--
		}
		top[k] = weighed{int32(f), w}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range n {
		out[i] = m.features[top[i].f]
	}
	return out
}

// modelFile is the encoded form of a Model: the counts, from which the
// lookup tables are derived on load. Slices, not maps, so that encoding is
// deterministic.
type modelFile struct {
	Format   int
	Name     string
	Rows     int
	Docs     [nLabels]int
	Features []string
	Counts   []uint32
}

// Encode returns the model in its versioned, compressed form.
func (m *Model) Encode() ([]byte, error) { return encodeFormat(m, formatVersion) }

func encodeFormat(m *Model, format int) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("classifier: encode: %w", err)
	}
	f := modelFile{Format: format, Name: m.name, Rows: m.rows, Docs: m.docs, Features: m.features, Counts: m.counts}
	if err := gob.NewEncoder(zw).Encode(f); err != nil {
		return nil, fmt.Errorf("classifier: encode: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("classifier: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// ErrFormat is returned by Decode for data that is not a model this
// version can read.
var ErrFormat = errors.New("classifier: not a model of a known format")

// maxModelBytes bounds a decoded model, so a corrupt row cannot exhaust
// memory.
const maxModelBytes = 64 << 20

// Decode reads a model written by Encode.
func Decode(data []byte) (*Model, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	var f modelFile
	if err := gob.NewDecoder(io.LimitReader(zr, maxModelBytes)).Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if f.Format != formatVersion {
		return nil, fmt.Errorf("%w: format version %d, this gateway reads %d", ErrFormat, f.Format, formatVersion)
	}
	if len(f.Counts) != len(f.Features)*nLabels || !slices.IsSorted(f.Features) {
		return nil, fmt.Errorf("%w: %d counts for %d features", ErrFormat, len(f.Counts), len(f.Features))
	}
	m := &Model{name: f.Name, rows: f.Rows, docs: f.Docs, features: f.Features, counts: f.Counts}
	m.derive()
	return m, nil
}

// sameCounts reports whether two models were trained to the same counts,
// whatever their names.
func sameCounts(a, b *Model) bool {
	return a.rows == b.rows && a.docs == b.docs && slices.Equal(a.features, b.features) && slices.Equal(a.counts, b.counts)
}
