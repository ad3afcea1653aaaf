package kori

import "context"

// Progress is told how far a long job has come: done of total units of
// the step named by what ("retention 2016", "inactivity"). Jobs that run
// for minutes at national scale report through it, so that a command line
// can show a bar and a server can log, without the job knowing which.
type Progress func(what string, done, total int)

type progressKey struct{}

// WithProgress returns a context whose long jobs report to p.
func WithProgress(ctx context.Context, p Progress) context.Context {
	return context.WithValue(ctx, progressKey{}, p)
}

// ReportProgress tells the context's Progress, if any, how far a step is.
func ReportProgress(ctx context.Context, what string, done, total int) {
	if p, ok := ctx.Value(progressKey{}).(Progress); ok && p != nil {
		p(what, done, total)
	}
}
