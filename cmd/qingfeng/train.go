package main

import (
	"context"
	"fmt"
	"io"

	"qingfeng/nlp"
	"qingfeng/nlp/evaluate"
)

// runTrain cross-validates the classifier on the built-in corpus plus -corpus, so that a
// change to the corpus or lexicon can be judged without touching any evaluation file.
// The model itself is trained from the corpus every time the analyzer loads.
func runTrain(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, nf := newFlagSet("train", stderr)
	folds := fs.Int("folds", 5, "number of cross-validation folds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *folds < 2 {
		return fmt.Errorf("-folds must be at least 2")
	}
	opts, err := nf.options()
	if err != nil {
		return err
	}
	a, err := nlp.New(opts)
	if err != nil {
		return err
	}
	corpus, err := nlp.ParseCorpus(nlp.DefaultCorpusText())
	if err != nil {
		return err
	}
	corpus = append(corpus, opts.Extra...)
	var ids []string
	for _, c := range a.Categories() {
		ids = append(ids, c.ID)
	}
	card := evaluate.New(ids)
	for k := 0; k < *folds; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var train, test []nlp.Example
		for i, ex := range corpus {
			if i%*folds == k {
				test = append(test, ex)
			} else {
				train = append(train, ex)
			}
		}
		fold, err := a.WithCorpus(train)
		if err != nil {
			return err
		}
		for _, ex := range test {
			res, err := fold.Analyze(ex.Text)
			if err != nil {
				return fmt.Errorf("analyse corpus text: %w", err)
			}
			unit, pos := ex.Unit, ex.Position
			card.Add(evaluate.Gold{Category: ex.Category, Unit: &unit, Position: &pos},
				evaluate.Predicted{Category: res.Category, Unit: res.Subject.Unit, Position: res.Subject.Position})
		}
	}
	fmt.Fprintf(stdout, "%d examples, %d-fold cross-validation (mode is not labelled in the corpus)\n", len(corpus), *folds)
	return card.WriteReport(stdout)
}
