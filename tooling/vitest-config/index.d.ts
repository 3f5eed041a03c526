export declare const sourceResolution: {
  resolve: { conditions: string[] };
  ssr: { resolve: { conditions: string[] } };
};
export declare const jsonReport: {
  reporters: string[];
  outputFile: { json: string };
};
