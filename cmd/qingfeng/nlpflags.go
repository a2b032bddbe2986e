package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"qingfeng/nlp"
)

// nlpFlags are the data files any command that reads complaints may override. Each
// flag defaults to its QINGFENG_* environment variable; empty means the built-in file.
type nlpFlags struct {
	rules, lexicon, subjects, signals, transfers, userDict, corpus string
}

// newFlagSet starts a command's flags with the data-file flags every command shares.
func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *nlpFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	nf := &nlpFlags{}
	nf.register(fs)
	return fs, nf
}

func (f *nlpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.rules, "rules", os.Getenv("QINGFENG_RULES"), "routing rules file (YAML); env QINGFENG_RULES")
	fs.StringVar(&f.lexicon, "lexicon", os.Getenv("QINGFENG_LEXICON"), "conduct lexicon file (YAML); env QINGFENG_LEXICON")
	fs.StringVar(&f.subjects, "subjects", os.Getenv("QINGFENG_SUBJECTS"), "posts, ranks and unit levels (YAML); env QINGFENG_SUBJECTS")
	fs.StringVar(&f.signals, "signals", os.Getenv("QINGFENG_SIGNALS"), "signal phrases (YAML); env QINGFENG_SIGNALS")
	fs.StringVar(&f.transfers, "transfers", os.Getenv("QINGFENG_TRANSFERS"), "where out-of-scope matters are sent (YAML); env QINGFENG_TRANSFERS")
	fs.StringVar(&f.userDict, "userdict", os.Getenv("QINGFENG_USERDICT"), "extra segmentation words, 'word freq tag' lines; env QINGFENG_USERDICT")
	fs.StringVar(&f.corpus, "corpus", os.Getenv("QINGFENG_CORPUS"), "extra training examples (TSV, corpus format); env QINGFENG_CORPUS")
}

func (f *nlpFlags) options() (nlp.Options, error) {
	var o nlp.Options
	read := func(path string, into *[]byte) error {
		if path == "" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read data file: %w", err)
		}
		*into = b
		return nil
	}
	for _, r := range []struct {
		path string
		into *[]byte
	}{{f.rules, &o.Routing}, {f.lexicon, &o.Lexicon}, {f.subjects, &o.Subjects}, {f.signals, &o.Signals}, {f.transfers, &o.Transfers}} {
		if err := read(r.path, r.into); err != nil {
			return o, err
		}
	}
	var dict, corpus []byte
	if err := read(f.userDict, &dict); err != nil {
		return o, err
	}
	o.UserDict = string(dict)
	if err := read(f.corpus, &corpus); err != nil {
		return o, err
	}
	if len(corpus) > 0 {
		extra, err := nlp.ParseCorpus(string(corpus))
		if err != nil {
			return o, fmt.Errorf("%s: %w", f.corpus, err)
		}
		o.Extra = extra
	}
	return o, nil
}

func (f *nlpFlags) analyzer() (*nlp.Analyzer, error) {
	o, err := f.options()
	if err != nil {
		return nil, err
	}
	return nlp.New(o)
}
