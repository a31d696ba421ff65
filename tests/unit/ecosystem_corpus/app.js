// A script the corpus files point at; never run by the unit tests.
console.log('app');
