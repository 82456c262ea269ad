export * from "./alert-rules";
export * from "./alloy";
export * from "./configs";
export * from "./dashboard";
export * from "./files";
export * from "./promql";
export * from "./records";
export * from "./prometheus";
