import type { Command } from 'commander';
import { addDbOptions } from '../context.js';
import { registerClientsCreate } from './create.js';
import { registerClientsDelete } from './delete.js';
import { registerClientsKeys } from './keys.js';
import { registerClientsList } from './list.js';
import { registerClientsRotate } from './rotate.js';

export function registerClients(program: Command): void {
  const clients = program.command('clients').description('manage client credentials');
  registerClientsCreate(clients);
  registerClientsList(clients);
  registerClientsDelete(clients);
  registerClientsRotate(clients);
  registerClientsKeys(clients);
  for (const command of clients.commands) addDbOptions(command);
}
