module.exports = require("./jest-temp-area").globalSetup;
