/**
 * Prints the plain closing line CI reads: "N passed, N failed" (and skipped, when any). A test file that fails
 * outside its tests (it does not load, or leaves files in its temporary directory) counts as one failure.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : "");
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
