import { IsIn, IsOptional } from 'class-validator';

export class ReverseParams {
  /** Reverse the characters (default) or the order of the words. */
  @IsOptional()
  @IsIn(['chars', 'words'])
  by: 'chars' | 'words' = 'chars';
}
