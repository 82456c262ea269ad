module.exports = require("./jest-temp-area").globalTeardown;
