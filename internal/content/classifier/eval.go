package classifier

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Figures are the measurements of a model on one set of labelled examples.
type Figures struct {
	// Lang is the language the figures are restricted to, "" for all.
	Lang string `json:"lang,omitempty"`
	// N is the number of examples.
	N int `json:"n"`
	// Confusion counts examples by true label (row) and predicted label
	// (column), both in the order of Labels.
	Confusion [nLabels][nLabels]int `json:"confusion"`
}

// Support is how many examples truly have the label.
func (f Figures) Support(label string) int {
	li := LabelIndex(label)
	n := 0
	for p := range nLabels {
		n += f.Confusion[li][p]
	}
	return n
}

// Precision is the share of the examples predicted as label that truly
// are; ok is false when none was predicted as label.
func (f Figures) Precision(label string) (p float64, ok bool) {
	li := LabelIndex(label)
	predicted := 0
	for t := range nLabels {
		predicted += f.Confusion[t][li]
	}
	if predicted == 0 {
		return 0, false
	}
	return float64(f.Confusion[li][li]) / float64(predicted), true
}

// Recall is the share of the examples truly labelled label that were
// predicted so; ok is false when none truly is.
func (f Figures) Recall(label string) (r float64, ok bool) {
	li := LabelIndex(label)
	n := f.Support(label)
	if n == 0 {
		return 0, false
	}
	return float64(f.Confusion[li][li]) / float64(n), true
}

// Accuracy is the share of examples predicted right.
func (f Figures) Accuracy() float64 {
	if f.N == 0 {
		return 0
	}
	right := 0
	for l := range nLabels {
		right += f.Confusion[l][l]
	}
	return float64(right) / float64(f.N)
}

// Evaluation is a model measured on a held-out set: over all of it and per
// language.
type Evaluation struct {
	All    Figures   `json:"all"`
	ByLang []Figures `json:"by_lang,omitempty"`
}

// Evaluate classifies every example and counts the outcomes. The decision
// is the most likely label (no threshold), as Verdict.Label is.
func Evaluate(m *Model, examples []Example) Evaluation {
	var ev Evaluation
	byLang := map[string]*Figures{}
	for _, e := range examples {
		t := LabelIndex(e.Label)
		if t < 0 {
			continue
		}
		p := LabelIndex(m.Classify(e.Text).Label)
		ev.All.N++
		ev.All.Confusion[t][p]++
		if e.Lang == "" {
			continue
		}
		f := byLang[e.Lang]
		if f == nil {
			f = &Figures{Lang: e.Lang}
			byLang[e.Lang] = f
		}
		f.N++
		f.Confusion[t][p]++
	}
	for _, f := range byLang {
		ev.ByLang = append(ev.ByLang, *f)
	}
	slices.SortFunc(ev.ByLang, func(a, b Figures) int {
		if a.Lang < b.Lang {
			return -1
		}
		if a.Lang > b.Lang {
			return 1
		}
		return 0
	})
	return ev
}

// LabelFigures are precision and recall of one label in one language, as
// the API and the command line show them; nil when undefined.
type LabelFigures struct {
	Lang      string   `json:"lang"`
	Label     string   `json:"label"`
	Support   int      `json:"support"`
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
}

// Summary is an Evaluation as people read it.
type Summary struct {
	N        int                   `json:"n"`
	Accuracy *float64              `json:"accuracy"`
	Labels   []LabelFigures        `json:"labels"`
	Matrix   [nLabels][nLabels]int `json:"confusion"`
}

// Summary returns precision and recall per language (and "all") and
// label, and the confusion matrix over all.
func (ev Evaluation) Summary() Summary {
	s := Summary{N: ev.All.N, Matrix: ev.All.Confusion, Labels: []LabelFigures{}}
	if ev.All.N > 0 {
		a := ev.All.Accuracy()
		s.Accuracy = &a
	}
	for _, f := range append([]Figures{ev.All}, ev.ByLang...) {
		lang := f.Lang
		if lang == "" {
			lang = "all"
		}
		for _, l := range Labels {
			lf := LabelFigures{Lang: lang, Label: l, Support: f.Support(l)}
			if p, ok := f.Precision(l); ok {
				lf.Precision = &p
			}
			if r, ok := f.Recall(l); ok {
				lf.Recall = &r
			}
			s.Labels = append(s.Labels, lf)
		}
	}
	return s
}

// DecodeEvaluation reads the held-out figures a store.ContentModel keeps.
func DecodeEvaluation(heldOut string) (Evaluation, error) {
	var ev Evaluation
	if err := json.Unmarshal([]byte(heldOut), &ev); err != nil {
		return Evaluation{}, fmt.Errorf("classifier: held-out figures: %w", err)
	}
	return ev, nil
}
