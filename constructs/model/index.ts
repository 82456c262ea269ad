export * from "./types";
export * from "./refs";
export * from "./defaults";
export * from "./problems";
export * from "./cidr";
export * from "./validate";
export * from "./select";
export * from "./queries";
export { ARGO } from "./argo";
