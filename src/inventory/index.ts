// Public surface of the inventory concern.
export { Inventory, InventoryBuilder, type Vars } from "./model.js";
export { isHostList, loadInventory, loadConfigInventory } from "./load.js";
export { matchPattern, readLimit, type PatternResult } from "./pattern.js";
export { inventoryList, inventoryHost, inventoryGraph, sortedJson } from "./ansible-json.js";
