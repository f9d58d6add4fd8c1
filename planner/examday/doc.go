// Package examday connects the planner to the exam-day benchmark: it reads
// the neutral instance written by /work/shared/examday/gen.py
// ("heartlink-examday-instance/1") and writes plans in the neutral format
// that score.py checks ("heartlink-examday-plan/1").
//
// Command is the "heartlink plan" subcommand. The package does file I/O and
// nothing else; all planning is in package planner.
package examday
