package ui

import (
	"fmt"

	"github.com/go-analyze/charts"
)

// barChart renders one group of bars per label, one bar per series, as SVG.
func barChart(labels, series []string, vals [][]int) ([]byte, error) {
	data := make([][]float64, len(series))
	for j := range series {
		data[j] = make([]float64, len(labels))
		for i := range labels {
			data[j][i] = float64(vals[i][j])
		}
	}
	p, err := charts.BarRender(data,
		charts.SVGOutputOptionFunc(),
		charts.DimensionsOptionFunc(720, 320),
		charts.XAxisLabelsOptionFunc(labels),
		charts.LegendLabelsOptionFunc(series),
		charts.ThemeNameOptionFunc(charts.ThemeLight),
	)
	if err != nil {
		return nil, fmt.Errorf("ui: bar chart: %w", err)
	}
	b, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("ui: bar chart: %w", err)
	}
	return b, nil
}
