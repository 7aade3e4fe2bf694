'use strict';
// The spec reporter, plus the one closing line CI reads: "N passed, N failed[, N skipped]".
// Skipped tests are listed with their titles so a gap is never silent.
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const skipped = [];
    runner.on(EVENT_TEST_PENDING, (test) => skipped.push(test.fullTitle()));
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      if (skipped.length > 0) {
        process.stdout.write('\nskipped:\n' + skipped.map((t) => `  - ${t}`).join('\n') + '\n');
      }
      process.stdout.write(`\n${passes} passed, ${failures} failed${pending > 0 ? `, ${pending} skipped` : ''}\n`);
    });
  }
}

module.exports = SummaryReporter;
